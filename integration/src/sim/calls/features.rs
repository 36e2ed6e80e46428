//! The feature operations of the call model, for the Xsi-Actions README "Call control" lists:
//! recording a call (per user's leg: `recordingState`, the CallRecording… events), picking up a
//! ringing call (directed or from the group), barging in, parking and retrieving a parked call,
//! and Reconnect. Each returns the events it causes; none when it does not apply (the endpoint
//! answers 400).
//!
//! What each emits:
//! - record: CallRecordingStarting (Pending), then CallRecordingStarted, to the user; pause,
//!   resume and stop: CallRecordingPaused, …Resumed, …Stopped (reason `User Requested`);
//! - pickup of the call ringing at B by P: CallPickedUp to B (whose leg leaves the call),
//!   CallAnswered to P (a new leg) and to the caller;
//! - barge-in by P on B's active call: CallBargedIn to P (a new leg: a three-way call);
//!   on a ringing call it is a pickup;
//! - park by P: CallReleased to P, CallHeld (Remote Held) to the others; the call waits at
//!   the park location; retrieve by R: CallParkRetrieved to R (a new leg), CallRetrieved to
//!   the parked party;
//! - Reconnect of P's held call: CallReleased for each of P's other calls, then
//!   CallRetrieved.

use std::fmt::Write as _;

use super::{event_data, go_off_hook, render_call, CallModel, Emit, Leg, LegState, Personality};

/// A user's recording of its leg of a call (xsd `RecordingState`, less `Failed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Recording {
    Pending,
    Started,
    Paused,
}

/// Appends `allowedRecordingControls` and `recordingState` of a recorded leg (the last
/// children the simulator writes, in schema order).
pub(super) fn render_recording(out: &mut String, leg: &Leg) {
    let Some(recording) = leg.recording else {
        return;
    };
    let (controls, state) = match recording {
        Recording::Pending => ("stop", "Pending"),
        Recording::Started => ("pause-stop", "Started"),
        Recording::Paused => ("resume-stop", "Paused"),
    };
    let _ = write!(
        out,
        "<xsi:allowedRecordingControls>{controls}</xsi:allowedRecordingControls>\
         <xsi:recordingState>{state}</xsi:recordingState>"
    );
}

/// The recording commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecordingCommand {
    Record,
    Pause,
    Resume,
    Stop,
}

impl RecordingCommand {
    /// From the Xsi-Actions verb (`Record`, `PauseRecording`, …).
    pub(crate) fn from_verb(verb: &str) -> Option<RecordingCommand> {
        Some(match verb {
            "Record" => RecordingCommand::Record,
            "PauseRecording" => RecordingCommand::Pause,
            "ResumeRecording" => RecordingCommand::Resume,
            "StopRecording" => RecordingCommand::Stop,
            _ => return None,
        })
    }
}

impl CallModel {
    fn leg_mut(&mut self, n: u64, dn: &str) -> Option<&mut Leg> {
        self.calls.get_mut(&n)?.legs.iter_mut().find(|l| l.dn == dn)
    }

    /// `dn`'s recording of call `n`: the command, when the leg's state allows it.
    pub(crate) fn recording(&mut self, n: u64, dn: &str, command: RecordingCommand) -> Vec<Emit> {
        let domain = self.domain.clone();
        let Some(leg) = self.leg_mut(n, dn) else {
            return Vec::new();
        };
        let talking = matches!(
            leg.state,
            LegState::Active | LegState::Held | LegState::RemoteHeld
        );
        let steps: &[(Option<Recording>, &str)] = match (command, leg.recording) {
            (RecordingCommand::Record, None) if talking => &[
                (Some(Recording::Pending), "CallRecordingStartingEvent"),
                (Some(Recording::Started), "CallRecordingStartedEvent"),
            ],
            (RecordingCommand::Pause, Some(Recording::Started)) => {
                &[(Some(Recording::Paused), "CallRecordingPausedEvent")]
            }
            (RecordingCommand::Resume, Some(Recording::Paused)) => {
                &[(Some(Recording::Started), "CallRecordingResumedEvent")]
            }
            (RecordingCommand::Stop, Some(Recording::Started | Recording::Paused)) => {
                &[(None, "CallRecordingStoppedEvent")]
            }
            _ => return Vec::new(),
        };
        let mut emits = Vec::new();
        for (state, kind) in steps {
            leg.recording = *state;
            let leg = leg.clone();
            let stopped = state.is_none();
            emits.push(Emit {
                dn: leg.dn.clone(),
                data: event_data(kind, |o| {
                    render_call(o, &leg, &domain);
                    if stopped {
                        o.push_str("<xsi:reason>User Requested</xsi:reason>");
                    }
                }),
            });
        }
        emits
    }

    /// The call ringing at `at` (a terminating leg still alerting), or at any DN but `by`'s
    /// when `at` is `None` (a group pickup: the oldest such call).
    fn ringing(&self, by: &str, at: Option<&str>) -> Option<(u64, String)> {
        self.calls.iter().find_map(|(n, call)| {
            call.legs
                .iter()
                .find(|l| {
                    l.state == LegState::Alerting
                        && l.personality == Personality::Terminator
                        && l.dn != by
                        && at.is_none_or(|at| l.dn == at)
                })
                .map(|l| (*n, l.dn.clone()))
        })
    }

    /// `by` picks up the call ringing at `at` (any DN's for `None`): the call number and
    /// `by`'s new call half.
    pub(crate) fn pickup(
        &mut self,
        by: &str,
        at: Option<&str>,
        now: u64,
    ) -> Option<(u64, u64, Vec<Emit>)> {
        let (n, ringing) = self.ringing(by, at)?;
        let half = self.new_half();
        let mut call = self.calls.remove(&n)?;
        let i = call.legs.iter().position(|l| l.dn == ringing)?;
        let gone = call.legs.remove(i);
        let mut emits = vec![self.call_event("CallPickedUpEvent", &gone)];
        let caller = call
            .legs
            .first()
            .map_or_else(|| gone.remote.clone(), |l| l.dn.clone());
        let mut picker = Leg::new(by, half, n, Personality::Terminator, &caller, now);
        picker.state = LegState::Active;
        picker.allow_answer = false;
        picker.answer = Some(now);
        go_off_hook(&mut self.off_hook, by, &mut emits);
        emits.push(self.call_event("CallAnsweredEvent", &picker));
        for leg in &mut call.legs {
            leg.remote = by.to_string();
            leg.state = LegState::Active;
            leg.allow_answer = false;
            leg.answer = leg.answer.or(Some(now));
        }
        for leg in &call.legs {
            emits.push(self.call_event("CallAnsweredEvent", leg));
        }
        call.legs.push(picker);
        self.calls.insert(n, call);
        Some((n, half, emits))
    }

    /// `by` barges in on `at`'s active call (picks it up while it rings): the call number and
    /// `by`'s new call half.
    pub(crate) fn barge_in(
        &mut self,
        by: &str,
        at: &str,
        now: u64,
    ) -> Option<(u64, u64, Vec<Emit>)> {
        if self.ringing(by, Some(at)).is_some() {
            return self.pickup(by, Some(at), now);
        }
        let n = self.calls.iter().find_map(|(n, call)| {
            let active = call
                .legs
                .iter()
                .any(|l| l.dn == at && l.state == LegState::Active);
            let joined = call.legs.iter().any(|l| l.dn == by);
            (active && !joined).then_some(*n)
        })?;
        let mut leg = Leg::new(by, self.new_half(), n, Personality::Originator, at, now);
        leg.state = LegState::Active;
        leg.answer = Some(now);
        let half = leg.half;
        let mut emits = Vec::new();
        go_off_hook(&mut self.off_hook, by, &mut emits);
        emits.push(self.call_event("CallBargedInEvent", &leg));
        self.calls.get_mut(&n)?.legs.push(leg);
        Some((n, half, emits))
    }

    /// `by` parks call `n` at `at`: `by` leaves the call, the others wait on hold. Nothing when
    /// `by` is not talking in it or `at` holds a parked call already.
    pub(crate) fn park(&mut self, n: u64, by: &str, at: &str, now: u64) -> Vec<Emit> {
        let taken = self
            .parked
            .get(at)
            .is_some_and(|p| self.calls.contains_key(p));
        let Some(mut call) = self.calls.remove(&n) else {
            return Vec::new();
        };
        let parkable = |l: &Leg| l.dn == by && matches!(l.state, LegState::Active | LegState::Held);
        let Some(i) = call.legs.iter().position(parkable).filter(|_| !taken) else {
            self.calls.insert(n, call);
            return Vec::new();
        };
        let mut gone = call.legs.remove(i);
        gone.release("localRelease", now);
        let mut emits = vec![self.call_event("CallReleasedEvent", &gone)];
        for leg in &mut call.legs {
            if leg.state == LegState::Active {
                leg.state = LegState::RemoteHeld;
                leg.held = Some(now);
                emits.push(self.call_event("CallHeldEvent", leg));
            }
        }
        self.calls.insert(n, call);
        self.parked.insert(at.to_string(), n);
        self.prune_conferences(&[gone.half], &mut emits);
        self.on_hook_if_idle(&[by.to_string()], &mut emits);
        emits
    }

    /// `by` retrieves the call parked at `at`: the call number and `by`'s new call half.
    pub(crate) fn park_retrieve(
        &mut self,
        by: &str,
        at: &str,
        now: u64,
    ) -> Option<(u64, u64, Vec<Emit>)> {
        let n = self.parked.remove(at)?;
        let mut call = self.calls.remove(&n)?;
        let parked_party = call.legs.first().map(|l| l.dn.clone())?;
        let mut leg = Leg::new(
            by,
            self.new_half(),
            n,
            Personality::Terminator,
            &parked_party,
            now,
        );
        leg.state = LegState::Active;
        leg.allow_answer = false;
        leg.answer = Some(now);
        let half = leg.half;
        let mut emits = Vec::new();
        go_off_hook(&mut self.off_hook, by, &mut emits);
        emits.push(self.call_event("CallParkRetrievedEvent", &leg));
        for other in &mut call.legs {
            other.remote = by.to_string();
            if other.state == LegState::RemoteHeld {
                other.state = LegState::Active;
                other.held = None;
            }
        }
        for other in &call.legs {
            emits.push(self.call_event("CallRetrievedEvent", other));
        }
        call.legs.push(leg);
        self.calls.insert(n, call);
        Some((n, half, emits))
    }

    /// The calls parked, by park location, for the stats.
    pub(crate) fn parked(&self) -> Vec<(String, u64)> {
        self.parked
            .iter()
            .filter(|(_, n)| self.calls.contains_key(n))
            .map(|(at, n)| (at.clone(), *n))
            .collect()
    }

    /// Reconnect: `dn` retrieves its held call `n` and releases its other calls. Nothing when
    /// `dn`'s leg in `n` is not held.
    pub(crate) fn reconnect(&mut self, n: u64, dn: &str, now: u64) -> Vec<Emit> {
        let held = self.calls.get(&n).is_some_and(|c| {
            c.legs
                .iter()
                .any(|l| l.dn == dn && l.state == LegState::Held)
        });
        if !held {
            return Vec::new();
        }
        let others: Vec<u64> = self
            .calls
            .iter()
            .filter(|(m, c)| **m != n && c.legs.iter().any(|l| l.dn == dn))
            .map(|(m, _)| *m)
            .collect();
        let mut emits = Vec::new();
        for m in others {
            emits.extend(self.release(m, dn, now));
        }
        emits.extend(self.retrieve(n, dn));
        emits
    }
}
