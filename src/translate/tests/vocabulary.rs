//! Every value of the Xsi enumerations the translation turns into a CSTA
//! cause has its cause, and every cause is an ECMA-323 ed3 `EventCause`.

use bwcsta_integration::schema::xsi;

use super::*;
use crate::translate::acd::completion_cause;
use crate::translate::map::{redirect_cause, release_cause};

#[test]
fn every_xsi_value_read_has_a_csta_cause() {
    let causes = schema_check::load(ED3).enum_values("EventCause");
    let schema = xsi::schema();
    // (Xsi enumeration, the translation, the values left to the default)
    type Translate = fn(Option<&str>) -> &'static str;
    let tables: [(&str, Translate, &[&str]); 3] = [
        // `Match` ends the treatment normally (README, Contact centre).
        ("PlayCompletionReason", completion_cause, &["Match"]),
        ("InternalReleaseCause", release_cause, &[]),
        // A deflection is `redirected`, like a reason CSTA has no cause for.
        (
            "RedirectReason",
            redirect_cause,
            &[
                "deflection",
                "agent-wrap-up",
                "voicexml-script-termination",
                "unknown",
            ],
        ),
    ];
    for (enumeration, translate, default_ones) in tables {
        let default = translate(None);
        let values = schema.enum_values(enumeration);
        assert!(!values.is_empty(), "{enumeration}");
        for value in values {
            let cause = translate(Some(value));
            assert!(causes.contains(&cause), "{enumeration} {value}: {cause}");
            assert_eq!(
                cause == default,
                default_ones.contains(&value),
                "{enumeration} {value}: {cause}"
            );
        }
    }
}
