//! Unit tests of the call model: event sequences, call objects and id mapping.

use super::*;
use crate::sim::xml::element_text;

fn kinds(emits: &[Emit]) -> Vec<(String, String)> {
    emits
        .iter()
        .map(|e| (e.dn.clone(), e.kind().to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

fn text(emit: &Emit, name: &str) -> String {
    element_text(&emit.data, name)
        .unwrap_or_default()
        .into_owned()
}

/// Notes the number of the call an operation placed in `ids`; returns its events.
fn placed((n, emits): (u64, Vec<Emit>), ids: &mut Vec<u64>) -> Vec<Emit> {
    ids.push(n);
    emits
}

/// Each step: an operation on a fresh model's history and the (dn, event type) it emits.
#[test]
fn operations_emit_the_documented_sequences() {
    type Op = fn(&mut CallModel, &mut Vec<u64>) -> Vec<Emit>;
    type Step = (Op, &'static [(&'static str, &'static str)]);
    let scenarios: &[(&str, &[Step])] = &[
        (
            "basic call",
            &[
                (
                    |m, ids| placed(m.call("2001", "2002", 1), ids),
                    &[
                        ("2001", "HookStatusEvent"),
                        ("2001", "CallOriginatedEvent"),
                        ("2002", "CallReceivedEvent"),
                    ],
                ),
                (
                    |m, ids| m.answer(ids[0], 2),
                    &[
                        ("2002", "HookStatusEvent"),
                        ("2002", "CallAnsweredEvent"),
                        ("2001", "CallAnsweredEvent"),
                    ],
                ),
                (
                    |m, ids| m.hold(ids[0], "2001", 3),
                    &[("2001", "CallHeldEvent"), ("2002", "CallHeldEvent")],
                ),
                (
                    |m, ids| m.retrieve(ids[0], "2001"),
                    &[
                        ("2001", "CallRetrievedEvent"),
                        ("2002", "CallRetrievedEvent"),
                    ],
                ),
                (
                    |m, ids| m.release(ids[0], "2002", 4),
                    &[
                        ("2002", "CallReleasedEvent"),
                        ("2001", "CallReleasedEvent"),
                        ("2002", "HookStatusEvent"),
                        ("2001", "HookStatusEvent"),
                    ],
                ),
            ],
        ),
        (
            "click to dial",
            &[
                (
                    |m, ids| placed(m.click_to_dial("2001", "2002", 1), ids),
                    &[("2001", "CallOriginatingEvent")],
                ),
                (
                    |m, ids| m.answer(ids[0], 2),
                    &[
                        ("2001", "HookStatusEvent"),
                        ("2001", "CallOriginatedEvent"),
                        ("2002", "CallReceivedEvent"),
                    ],
                ),
                (
                    |m, ids| m.answer(ids[0], 3),
                    &[
                        ("2002", "HookStatusEvent"),
                        ("2002", "CallAnsweredEvent"),
                        ("2001", "CallAnsweredEvent"),
                    ],
                ),
            ],
        ),
        (
            "blind transfer",
            &[
                (
                    |m, ids| placed(m.call("2001", "2002", 1), ids),
                    &[
                        ("2001", "HookStatusEvent"),
                        ("2001", "CallOriginatedEvent"),
                        ("2002", "CallReceivedEvent"),
                    ],
                ),
                (
                    |m, ids| m.answer(ids[0], 2),
                    &[
                        ("2002", "HookStatusEvent"),
                        ("2002", "CallAnsweredEvent"),
                        ("2001", "CallAnsweredEvent"),
                    ],
                ),
                (
                    |m, ids| m.blind_transfer(ids[0], "2002", "2003", 3),
                    &[
                        ("2002", "CallRedirectedEvent"),
                        ("2002", "CallReleasedEvent"),
                        ("2001", "CallTransferredEvent"),
                        ("2003", "CallReceivedEvent"),
                        ("2002", "HookStatusEvent"),
                    ],
                ),
                (
                    |m, ids| m.answer(ids[0], 4),
                    &[
                        ("2003", "HookStatusEvent"),
                        ("2003", "CallAnsweredEvent"),
                        ("2001", "CallAnsweredEvent"),
                    ],
                ),
            ],
        ),
        (
            "consult transfer and conference",
            &[
                (
                    |m, ids| placed(m.call("2002", "2001", 1), ids),
                    &[
                        ("2002", "HookStatusEvent"),
                        ("2002", "CallOriginatedEvent"),
                        ("2001", "CallReceivedEvent"),
                    ],
                ),
                (
                    |m, ids| m.answer(ids[0], 2),
                    &[
                        ("2001", "HookStatusEvent"),
                        ("2001", "CallAnsweredEvent"),
                        ("2002", "CallAnsweredEvent"),
                    ],
                ),
                (
                    |m, ids| m.hold(ids[0], "2001", 3),
                    &[("2001", "CallHeldEvent"), ("2002", "CallHeldEvent")],
                ),
                (
                    |m, ids| placed(m.call("2001", "2003", 4), ids),
                    &[
                        ("2001", "CallOriginatedEvent"),
                        ("2003", "CallReceivedEvent"),
                    ],
                ),
                (
                    |m, ids| m.answer(ids[1], 5),
                    &[
                        ("2003", "HookStatusEvent"),
                        ("2003", "CallAnsweredEvent"),
                        ("2001", "CallAnsweredEvent"),
                    ],
                ),
                (
                    |m, ids| m.conference(ids[0], ids[1], "2001"),
                    &[("2001", "ConferenceStartedEvent")],
                ),
                (
                    |m, ids| m.consult_transfer(ids[0], ids[1], "2001", 6),
                    &[
                        ("2002", "CallTransferredEvent"),
                        ("2003", "CallTransferredEvent"),
                        ("2001", "CallReleasedEvent"),
                        ("2001", "CallReleasedEvent"),
                        ("2001", "ConferenceReleasedEvent"),
                        ("2001", "HookStatusEvent"),
                    ],
                ),
                (
                    |m, ids| m.release(ids[1], "2003", 7),
                    &[
                        ("2003", "CallReleasedEvent"),
                        ("2002", "CallReleasedEvent"),
                        ("2003", "HookStatusEvent"),
                        ("2002", "HookStatusEvent"),
                    ],
                ),
                (|m, ids| m.release(ids[0], "2001", 8), &[]),
            ],
        ),
        (
            "busy and failover",
            &[
                (
                    |m, _| m.busy("2001", "2002", 1).1,
                    &[
                        ("2001", "HookStatusEvent"),
                        ("2001", "CallOriginatedEvent"),
                        ("2001", "CallReleasingEvent"),
                        ("2001", "CallReleasedEvent"),
                        ("2001", "HookStatusEvent"),
                    ],
                ),
                (
                    |m, ids| placed(m.call("2001", "2002", 1), ids),
                    &[
                        ("2001", "HookStatusEvent"),
                        ("2001", "CallOriginatedEvent"),
                        ("2002", "CallReceivedEvent"),
                    ],
                ),
                (
                    |m, _| m.as_failover("2001"),
                    &[("2001", "CallSubscriptionEvent")],
                ),
                (
                    |m, ids| m.answer(ids[0], 2),
                    &[("2002", "HookStatusEvent"), ("2002", "CallAnsweredEvent")],
                ),
            ],
        ),
        (
            "invalid operations are ignored",
            &[
                (|m, _| m.answer(99, 1), &[]),
                (|m, _| m.hold(99, "2001", 1), &[]),
                (
                    |m, ids| placed(m.call("2001", "2002", 1), ids),
                    &[
                        ("2001", "HookStatusEvent"),
                        ("2001", "CallOriginatedEvent"),
                        ("2002", "CallReceivedEvent"),
                    ],
                ),
                (|m, ids| m.hold(ids[0], "2001", 2), &[]),
                (|m, ids| m.retrieve(ids[0], "2001"), &[]),
                (|m, ids| m.blind_transfer(ids[0], "9999", "2003", 2), &[]),
                (|m, ids| m.consult_transfer(ids[0], ids[0], "2001", 2), &[]),
                (|m, ids| m.conference(ids[0], 77, "2001"), &[]),
            ],
        ),
    ];
    for (name, steps) in scenarios {
        let mut model = CallModel::new("example.net");
        let mut ids = Vec::new();
        for (i, (op, expected)) in steps.iter().enumerate() {
            let emits = op(&mut model, &mut ids);
            assert_eq!(kinds(&emits), pairs(expected), "{name}, step {i}");
        }
    }
}

#[test]
fn call_objects_carry_the_documented_fields() {
    let mut m = CallModel::new("example.net");
    let (n, e) = m.call("2001", "2002", 1000);
    let (orig, recv) = (&e[1], &e[2]);
    assert_eq!(text(orig, "extTrackingId"), format!("{n}:1"));
    assert_eq!(text(recv, "extTrackingId"), format!("{n}:1"));
    assert_ne!(text(orig, "callId"), text(recv, "callId"));
    assert!(text(orig, "callId").starts_with("callhalf-"));
    assert_eq!(
        (text(orig, "personality"), text(orig, "state")),
        ("Originator".into(), "Alerting".into())
    );
    assert_eq!(
        (text(orig, "address"), text(orig, "userId")),
        ("tel:2002".into(), "2002@example.net".into())
    );
    assert_eq!(text(orig, "callType"), "Group");
    assert_eq!(
        (text(recv, "personality"), text(recv, "address")),
        ("Terminator".into(), "tel:2001".into())
    );
    assert!(recv
        .data
        .contains("<xsi:userDN countryCode=\"1\">tel:+15552001;ext=2001</xsi:userDN>"));
    assert!(recv.data.contains("<xsi:allowAnswer/>") && !orig.data.contains("<xsi:allowAnswer/>"));
    assert!(!recv.data.contains("endpoint"));
    let answered = m.answer(n, 2000);
    assert!(answered[1].data.contains(
        "<xsi:endpoint xsi1:type=\"xsi:AccessEndpoint\"><xsi:addressOfRecord>2002@example.net"
    ));
    assert_eq!(text(&answered[1], "answerTime"), "2000");
    let held = m.hold(n, "2001", 3000);
    assert!(held[0].data.contains("<xsi:allowRetrieve/>") && text(&held[0], "heldTime") == "3000");
    assert_eq!(text(&held[1], "state"), "Remote Held");
    let rel = m.release(n, "2001", 4000);
    assert_eq!(
        (
            text(&rel[0], "releasingParty"),
            text(&rel[0], "releaseTime")
        ),
        ("localRelease".into(), "4000".into())
    );
    assert_eq!(text(&rel[1], "releasingParty"), "remoteRelease");
    let (_, busy) = m.busy("2001", "2002", 5000);
    assert_eq!(text(&busy[2], "internalReleaseCause"), "Busy");
    // Blind transfer details.
    let (n, _) = m.call("2001", "2002", 1);
    m.answer(n, 2);
    let t = m.blind_transfer(n, "2002", "2003", 3);
    assert!(t[0].data.contains("<xsi:calls><xsi:call>") && text(&t[0], "state") == "Detached");
    assert!(t[0].data.contains(
        "<xsi:redirect><xsi:address>tel:2003</xsi:address><xsi:reason>transfer</xsi:reason>"
    ));
    assert_eq!(
        (text(&t[2], "address"), text(&t[2], "state")),
        ("tel:2003".into(), "Alerting".into())
    );
    assert_eq!(text(&t[2], "extTrackingId"), format!("{n}:1"));
    assert!(t[3].data.contains("<xsi:redirections><xsi:redirection><xsi:party><xsi:address>tel:2002</xsi:address></xsi:party><xsi:reason>transfer</xsi:reason>"));
    assert_eq!(text(&t[3], "address"), "tel:2001");
    let again = m.answer(n, 9);
    assert_eq!(
        text(&again[2], "answerTime"),
        "2",
        "answerTime stays the first answer"
    );
}

#[test]
fn consult_transfer_keeps_the_active_tracking_id_and_snapshots_list_calls() {
    let mut m = CallModel::new("example.net");
    let (x, _) = m.call("2002", "2001", 1);
    m.answer(x, 2);
    m.hold(x, "2001", 3);
    let (y, _) = m.call("2001", "2003", 4);
    m.answer(y, 5);
    let snap = m.snapshot("2001");
    assert_eq!(snap.matches("<xsi:call>").count(), 2);
    assert!(
        snap.contains("<xsi:calls>")
            && snap.ends_with("<xsi:hookStatus>Off-Hook</xsi:hookStatus></xsi:eventData>")
    );
    let e = m.consult_transfer(x, y, "2001", 6);
    assert_eq!(
        (text(&e[0], "extTrackingId"), text(&e[0], "address")),
        (format!("{y}:1"), "tel:2003".into())
    );
    assert_eq!(
        (text(&e[1], "extTrackingId"), text(&e[1], "address")),
        (format!("{y}:1"), "tel:2002".into())
    );
    assert_eq!(m.snapshot("2001"), "<xsi:eventData xsi1:type=\"xsi:CallSubscriptionEvent\"><xsi:hookStatus>On-Hook</xsi:hookStatus></xsi:eventData>");
    assert!(m
        .snapshot("2002")
        .contains(&format!("<xsi:extTrackingId>{y}:1")));
    let conf = {
        let (a, _) = m.call("2004", "2005", 1);
        let (b, _) = m.call("2004", "2006", 1);
        m.conference(a, b, "2004")
    };
    assert_eq!(
        conf[0]
            .data
            .matches("<xsi:conferenceParticipant><xsi:callId>callhalf-")
            .count(),
        2
    );
    assert!(conf[0]
        .data
        .contains("<xsi:conference><xsi:state>Active</xsi:state><xsi:conferenceParticipantList>"));
    assert!(m.snapshot("2004").contains("<xsi:conference>"));
}

#[test]
fn ids_map_between_dns_and_user_ids() {
    for (dn, user) in [("2001", "2001@example.net"), ("a@other.org", "a@other.org")] {
        assert_eq!(user_id(dn, "example.net"), user);
        assert_eq!(dn_of(user, "example.net"), dn);
    }
    assert_eq!(dn_of("@example.net", "example.net"), "@example.net");
    assert_eq!(dn_of("x@example.netx", "example.net"), "x@example.netx");
}

#[test]
fn flood_cycles_through_five_event_types_on_fresh_calls() {
    let mut m = CallModel::new("example.net");
    let mut cycle = FloodCycle::default();
    let mut out = String::new();
    let mut seen = Vec::new();
    let mut ext = HashSet::new();
    for i in 0..10 {
        m.flood_event(&mut cycle, "2001", 1_700_000_000_000 + i, &mut out);
        let emit = Emit {
            dn: "2001".into(),
            data: out.clone(),
        };
        seen.push(emit.kind().to_string());
        ext.insert(text(&emit, "extTrackingId"));
    }
    let cycle_kinds = [
        "CallReceivedEvent",
        "CallAnsweredEvent",
        "CallHeldEvent",
        "CallRetrievedEvent",
        "CallReleasedEvent",
    ];
    assert_eq!(
        seen,
        cycle_kinds
            .iter()
            .chain(cycle_kinds.iter())
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
    );
    assert_eq!(ext.len(), 2);
    assert!(m.snapshot("2001").contains("On-Hook"));
}

mod features;
