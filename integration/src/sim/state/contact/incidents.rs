//! The contact-centre incidents of the simulated BroadWorks beyond a call's ordinary way
//! through a queue: a route point failing and recovering, a call refused by a route point's
//! admission control, a queued call stranded because no agent is available, and the whisper
//! message an agent hears before a call. Each sends the event BroadWorks sends, in the
//! shape of the Xsi schema.

use std::fmt::Write as _;

use super::{Place, State};
use crate::sim::calls::{event_data, render_party};
use crate::sim::state::now_ms;
use crate::sim::xml::escape_into;

impl State {
    /// Route point `rp` fails (`RoutePointFailedEvent`, FailureDetected) or recovers
    /// (`RoutePointRecoveredEvent`). False when `rp` is not a route point.
    pub(crate) fn rp_state(&mut self, rp: &str, failed: bool) -> bool {
        if !self.contact.route_points.contains_key(rp) {
            return false;
        }
        let payload = if failed {
            event_data("RoutePointFailedEvent", |o| {
                o.push_str("<xsi:stateChangeReason>FailureDetected</xsi:stateChangeReason>");
            })
        } else {
            event_data("RoutePointRecoveredEvent", |_| {})
        };
        self.emit_data(rp, &payload);
        true
    }

    /// `from` calls route point `rp` and its admission control refuses the call: the caller's
    /// leg, `RoutePointCallRejectedEvent` (flat fields, never queued), the caller released.
    pub(crate) fn rp_reject(&mut self, from: &str, rp: &str) -> Option<u64> {
        if !self.contact.route_points.contains_key(rp) {
            return None;
        }
        let now = now_ms();
        let (n, emits) = self.calls.call_virtual(from, rp, now);
        let half = self.calls.queue_half();
        self.deliver_emits(emits);
        let domain = self.domain().to_string();
        let payload = event_data("RoutePointCallRejectedEvent", |o| {
            let _ = write!(
                o,
                "<xsi:callId>callhalf-{half}:0</xsi:callId><xsi:extTrackingId>{n}:1</xsi:extTrackingId>\
                 <xsi:routePointName>Queue "
            );
            escape_into(o, rp);
            o.push_str("</xsi:routePointName><xsi:routePointNumber>");
            escape_into(o, rp);
            o.push_str("</xsi:routePointNumber>");
            render_party(o, from, &domain);
            o.push_str("<xsi:rejectReason>CallRejectRequested</xsi:rejectReason>");
        });
        self.emit_data(rp, &payload);
        let emits = self.calls.release(n, rp, now_ms());
        self.emit(emits);
        Some(n)
    }

    /// Queued call `n` is stranded: no agent of its call centre is available
    /// (`ACDCallStrandedUnavailableEvent`), and the stranded policy releases it.
    pub(crate) fn acd_strand(&mut self, n: u64) -> bool {
        let Some((Place::Center, cc, _)) = self.contact.find(n) else {
            return false;
        };
        let Some(entry) = self.contact.take(Place::Center, &cc, n) else {
            return false;
        };
        self.queue_event(
            "ACDCallStrandedUnavailableEvent",
            Place::Center,
            &cc,
            &entry,
            |_| {},
            None,
        );
        let emits = self.calls.release(n, &cc, now_ms());
        self.emit(emits);
        true
    }

    /// The agent that call `n` (queued at a call centre or a route point) is offered to hears
    /// the whisper message: `ACDWhisperStartedEvent` / `RoutePointWhisperStartedEvent`.
    pub(crate) fn whisper(&mut self, n: u64) -> bool {
        let Some((place, queue, entry)) = self.contact.find(n) else {
            return false;
        };
        let kind = match place {
            Place::Center => "ACDWhisperStartedEvent",
            Place::RoutePoint => "RoutePointWhisperStartedEvent",
        };
        self.queue_event(kind, place, &queue, &entry, |_| {}, None);
        true
    }
}
