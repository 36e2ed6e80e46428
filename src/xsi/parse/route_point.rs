//! The route point's own state (README, Contact centre): `RoutePointFailedEvent`
//! (with its `stateChangeReason`) and `RoutePointRecoveredEvent` of the
//! Route Point Queue package. They name no call.

use sxd_document::dom::Element;

use super::dom::{first_child, text};
use super::{EventData, Result};

/// The payload of a route point state event, `None` for other types.
pub(super) fn parse_route_point_state(
    type_name: &str,
    data: Element<'_>,
) -> Option<Result<EventData>> {
    let failed = match type_name {
        "RoutePointFailedEvent" => true,
        "RoutePointRecoveredEvent" => false,
        _ => return None,
    };
    let reason = first_child(data, "stateChangeReason")
        .map(text)
        .filter(|t| !t.is_empty());
    Some(Ok(EventData::RoutePointState { failed, reason }))
}
