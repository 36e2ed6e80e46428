//! The feature operations: the events each emits, to whom, and the call objects they carry.

use super::*;

/// A model with call 1: 2001 → 2002, answered.
fn talking() -> (CallModel, u64) {
    let mut m = CallModel::new("example.net");
    let (n, _) = m.call("2001", "2002", 1);
    m.answer(n, 2);
    (m, n)
}

#[test]
fn recording_runs_start_pause_resume_stop_and_refuses_the_rest() {
    let (mut m, n) = talking();
    let record = m.recording(n, "2001", RecordingCommand::Record);
    assert_eq!(
        kinds(&record),
        pairs(&[
            ("2001", "CallRecordingStartingEvent"),
            ("2001", "CallRecordingStartedEvent")
        ])
    );
    assert_eq!(text(&record[0], "recordingState"), "Pending");
    assert_eq!(text(&record[1], "recordingState"), "Started");
    assert_eq!(text(&record[1], "allowedRecordingControls"), "pause-stop");
    let steps: &[(RecordingCommand, &str, &str)] = &[
        (RecordingCommand::Record, "", ""),
        (RecordingCommand::Resume, "", ""),
        (
            RecordingCommand::Pause,
            "CallRecordingPausedEvent",
            "Paused",
        ),
        (RecordingCommand::Pause, "", ""),
        (
            RecordingCommand::Resume,
            "CallRecordingResumedEvent",
            "Started",
        ),
        (RecordingCommand::Stop, "CallRecordingStoppedEvent", ""),
        (RecordingCommand::Stop, "", ""),
    ];
    for (command, kind, state) in steps {
        let emits = m.recording(n, "2001", *command);
        if kind.is_empty() {
            assert!(emits.is_empty(), "{command:?}: {emits:?}");
            continue;
        }
        assert_eq!(kinds(&emits), pairs(&[("2001", kind)]), "{command:?}");
        assert_eq!(text(&emits[0], "recordingState"), *state, "{command:?}");
    }
    // The last stop said why, after the call.
    let stopped = m.recording(n, "2001", RecordingCommand::Record);
    let stop = m.recording(n, "2001", RecordingCommand::Stop);
    assert_eq!(stopped.len(), 2);
    assert!(stop[0]
        .data
        .ends_with("</xsi:call><xsi:reason>User Requested</xsi:reason></xsi:eventData>"));
    // Not on a ringing call, nor on a call the DN is not in.
    let (ringing, _) = m.call("2003", "2004", 3);
    assert!(m
        .recording(ringing, "2004", RecordingCommand::Record)
        .is_empty());
    assert!(m.recording(n, "2005", RecordingCommand::Record).is_empty());
}

#[test]
fn a_pickup_takes_the_ringing_call_from_its_device() {
    let mut m = CallModel::new("example.net");
    let (n, _) = m.call("2001", "2002", 1);
    assert!(
        m.pickup("2003", Some("2004"), 2).is_none(),
        "nothing rings there"
    );
    let (picked, half, emits) = m.pickup("2003", Some("2002"), 2).expect("picked");
    assert_eq!(picked, n);
    assert_eq!(
        kinds(&emits),
        pairs(&[
            ("2002", "CallPickedUpEvent"),
            ("2003", "HookStatusEvent"),
            ("2003", "CallAnsweredEvent"),
            ("2001", "CallAnsweredEvent")
        ])
    );
    assert_eq!(text(&emits[2], "callId"), format!("callhalf-{half}:0"));
    assert_eq!(text(&emits[2], "extTrackingId"), "1:1");
    assert_eq!(text(&emits[3], "address"), "tel:2003");
    assert_eq!(m.half_in(n, "2002"), None, "2002's leg left the call");
    // A group pickup takes the oldest call ringing at someone else.
    m.call("2005", "2006", 3);
    assert!(
        m.pickup("2006", None, 4).is_none(),
        "only its own call rings"
    );
    let (_, _, emits) = m.pickup("2007", None, 4).expect("picked");
    assert_eq!(emits[0].dn, "2006");
}

#[test]
fn barge_in_joins_an_active_call_and_picks_up_a_ringing_one() {
    let (mut m, n) = talking();
    let (joined, _, emits) = m.barge_in("2003", "2002", 3).expect("barged in");
    assert_eq!(joined, n);
    assert_eq!(
        kinds(&emits),
        pairs(&[("2003", "HookStatusEvent"), ("2003", "CallBargedInEvent")])
    );
    assert!(
        m.barge_in("2003", "2002", 4).is_none(),
        "in the call already"
    );
    let (ringing, _) = m.call("2004", "2005", 5);
    let (picked, _, emits) = m.barge_in("2006", "2005", 6).expect("picked up");
    assert_eq!(picked, ringing);
    assert_eq!(emits[0].kind(), "CallPickedUpEvent");
}

#[test]
fn a_parked_call_waits_until_someone_retrieves_it() {
    let (mut m, n) = talking();
    let emits = m.park(n, "2001", "2009", 3);
    assert_eq!(
        kinds(&emits),
        pairs(&[
            ("2001", "CallReleasedEvent"),
            ("2002", "CallHeldEvent"),
            ("2001", "HookStatusEvent")
        ])
    );
    assert_eq!(text(&emits[1], "state"), "Remote Held");
    assert_eq!(m.parked(), [("2009".to_string(), n)]);
    // One call per park location.
    let (other, _) = m.call("2003", "2004", 4);
    m.answer(other, 5);
    assert!(m.park(other, "2003", "2009", 6).is_empty());
    let (retrieved, _, emits) = m.park_retrieve("2005", "2009", 7).expect("retrieved");
    assert_eq!(retrieved, n);
    assert_eq!(
        kinds(&emits),
        pairs(&[
            ("2005", "HookStatusEvent"),
            ("2005", "CallParkRetrievedEvent"),
            ("2002", "CallRetrievedEvent")
        ])
    );
    assert_eq!(text(&emits[2], "state"), "Active");
    assert!(m.parked().is_empty());
    assert!(m.park_retrieve("2005", "2009", 8).is_none());
}

#[test]
fn reconnect_retrieves_the_held_call_and_releases_the_others() {
    let (mut m, first) = talking();
    m.hold(first, "2001", 3);
    let (second, _) = m.call("2001", "2003", 4);
    m.answer(second, 5);
    assert!(m.reconnect(second, "2001", 6).is_empty(), "not held");
    let emits = m.reconnect(first, "2001", 6);
    assert_eq!(
        kinds(&emits),
        pairs(&[
            ("2001", "CallReleasedEvent"),
            ("2003", "CallReleasedEvent"),
            ("2003", "HookStatusEvent"),
            ("2001", "CallRetrievedEvent"),
            ("2002", "CallRetrievedEvent")
        ])
    );
}
