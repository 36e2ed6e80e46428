//! The checkers themselves: the fixtures read like real events, and the
//! schema check catches what it must.

use super::*;

#[test]
fn xsi_fixture_has_the_real_shape() {
    // The fixture builder produces what parse_doc reads from real events.
    let mut h = Harness::new();
    let xml = h.doc(&ev(
        "CallReceivedEvent",
        &term("c1", "200:1", "Alerting", "tel:2002").redirection("tel:2005", "transfer"),
    ));
    assert!(xml.starts_with(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" \
         xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:SubscriptionEvent\">"
    ));
    let ev = xsi_event(&xml);
    assert_eq!(ev.sequence_number, 1);
    assert_eq!(ev.user_id, OWNER);
    assert_eq!(ev.subscription_id, SUBSCRIPTION);
    assert_eq!(ev.channel_id.as_deref(), Some(CHANNEL_A));
    assert_eq!(ev.target_id.as_deref(), Some(USER));
    let crate::xsi::parse::EventData::Call { call, .. } = ev.data else {
        panic!("not a call event: {:?}", ev.data);
    };
    assert_eq!(
        (call.call_id.as_str(), call.ext_tracking_id.as_str()),
        ("c1", "200:1")
    );
    assert_eq!(call.remote_party.address.as_deref(), Some("tel:2002"));
    assert!(call.allow_answer);
    let r = call.redirection.expect("redirection");
    assert_eq!(
        (r.party.as_deref(), r.reason.as_deref()),
        (Some("tel:2005"), Some("transfer"))
    );
}

#[test]
fn schema_checker_rejects_bad_order_unknown_children_and_values() {
    let ns = Edition::Ed3.namespace();
    let doc = |body: &str| {
        format!("<?xml version=\"1.0\"?><DeliveredEvent xmlns=\"{ns}\"><monitorCrossRefID>7</monitorCrossRefID>{body}</DeliveredEvent>")
    };
    let conn = "<connection><callID>1</callID><deviceID>2001</deviceID></connection>";
    let alerting = "<alertingDevice><deviceIdentifier>2001</deviceIdentifier></alertingDevice>";
    let calling = "<callingDevice><deviceIdentifier>2002</deviceIdentifier></callingDevice>";
    let good = doc(&format!("{conn}{alerting}{calling}<localConnectionInfo>alerting</localConnectionInfo><cause>newCall</cause>"));
    assert_eq!(schema_check(&good), Ok(()));
    let bad: &[(&str, String)] = &[
        ("order", doc(&format!("{conn}{calling}{alerting}"))),
        ("duplicate", doc(&format!("{conn}{alerting}{alerting}"))),
        ("unknown", doc(&format!("{conn}<ringingDevice/>"))),
        ("cause value", doc(&format!("{conn}<cause>hungUp</cause>"))),
        (
            "state value",
            doc(&format!(
                "{conn}<localConnectionInfo>ringing</localConnectionInfo>"
            )),
        ),
        (
            "nested",
            doc("<connection><deviceIdentifier>1</deviceIdentifier></connection>"),
        ),
        (
            "device choice",
            doc("<alertingDevice><numberDialed>1</numberDialed></alertingDevice>"),
        ),
        ("namespace", good.replace("ed3", "ed4")),
    ];
    for (what, xml) in bad {
        assert!(schema_check(xml).is_err(), "{what} not caught: {xml}");
    }
}

#[test]
fn every_cause_the_mapping_can_produce_is_an_ed3_event_cause() {
    use crate::translate::map::{redirect_cause, release_cause};
    let values = schema_check::load(ED3).enum_values("EventCause");
    assert!(values.len() > 20, "{values:?}");
    let release = [
        None,
        Some("Busy"),
        Some("Forbidden"),
        Some("Routing Failure"),
        Some("Global Failure"),
        Some("Request Failure"),
        Some("Server Failure"),
        Some("Translation Failure"),
        Some("Temporarily Unavailable"),
        Some("User Not Found"),
        Some("Request Timeout"),
        Some("Dial Tone Timeout"),
        Some("Insufficient Credits"),
        Some("Something New"),
    ];
    let redirect = [
        None,
        Some("user-busy"),
        Some("no-answer"),
        Some("unavailable"),
        Some("unconditional"),
        Some("time-of-day"),
        Some("do-not-disturb"),
        Some("deflection"),
        Some("follow-me"),
        Some("out-of-service"),
        Some("away"),
        Some("transfer"),
        Some("voicemail"),
        Some("hunt-group"),
        Some("call-center"),
        Some("route-point"),
        Some("agent-wrap-up"),
        Some("voicexml-script-termination"),
        Some("unknown"),
    ];
    let mut seen = HashMap::new();
    for r in release {
        seen.insert(format!("release {r:?}"), release_cause(r));
    }
    for r in redirect {
        seen.insert(format!("redirect {r:?}"), redirect_cause(r));
    }
    for (input, cause) in &seen {
        assert!(
            values.contains(cause),
            "{input} → {cause} is not an ed3 EventCause"
        );
    }
    assert_eq!(release_cause(Some("busy")), "busy", "case-insensitive");
    assert_eq!(redirect_cause(Some("Deflection")), "redirected");
}
