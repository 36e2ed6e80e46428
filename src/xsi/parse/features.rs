//! The service documents of the feature requests (README, Call control):
//! the `DoNotDisturb` and `CallForwardingAlways` answers of the Xsi-Actions
//! GETs, whose `active` and `forwardToPhoneNumber` the device queries
//! report.

use sxd_document::dom::Element;

use super::dom::{child_elements, invalid, local, text};
use super::{Result, XsiDoc};
use crate::xml::text::xs_boolean;

/// `active` (xsd `ActivatableServiceInfo`): absent counts as off.
fn active(element: Element<'_>) -> Result<bool> {
    let value = text(element);
    xs_boolean(&value).ok_or_else(|| invalid("active", &value))
}

/// `<DoNotDisturb>`: `active?, ringSplash?`.
pub(super) fn parse_do_not_disturb(root: Element<'_>) -> Result<XsiDoc> {
    let mut on = false;
    for child in child_elements(root) {
        if local(child) == "active" {
            on = active(child)?;
        }
    }
    Ok(XsiDoc::DoNotDisturb { active: on })
}

/// `<CallForwardingAlways>`: `active?, forwardToPhoneNumber?, ringSplash?`.
pub(super) fn parse_call_forwarding_always(root: Element<'_>) -> Result<XsiDoc> {
    let mut on = false;
    let mut forward_to = None;
    for child in child_elements(root) {
        match local(child) {
            "active" => on = active(child)?,
            "forwardToPhoneNumber" => forward_to = Some(text(child)).filter(|t| !t.is_empty()),
            _ => {}
        }
    }
    Ok(XsiDoc::CallForwardingAlways {
        active: on,
        forward_to,
    })
}
