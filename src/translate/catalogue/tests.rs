//! The catalogue against the Xsi schema, the parser, the translator and
//! the README.

use std::collections::BTreeSet;

use bwcsta_integration::schema::xsi;

use super::*;
use crate::csta::edition::Edition;
use crate::csta::schema_check::{load, ED3};
use crate::device::FeaturePackage;
use crate::translate::Translator;
use crate::xsi::parse::{parse_doc, EventData, XsiDoc, XsiEvent};

/// Each package and the schema file of its event types.
const FILES: [(Package, &str); 6] = [
    (Package::AdvancedCall, xsi::ADVANCED_CALL),
    (Package::CallCenterQueue, xsi::CALL_CENTER_QUEUE),
    (Package::RoutePointQueue, xsi::ROUTE_POINT_QUEUE),
    (Package::CallCenterAgent, xsi::CALL_CENTER_AGENT),
    (
        Package::Feature(FeaturePackage::DoNotDisturb),
        xsi::DO_NOT_DISTURB,
    ),
    (
        Package::Feature(FeaturePackage::CallForwardingAlways),
        xsi::CALL_FORWARDING,
    ),
];

/// The schema declares these as the bases of a package's events (the
/// `call`, `queueEntry` or `conference` they share) without marking them
/// abstract; BroadWorks sends the derived types only.
const BASE_TYPES: [&str; 3] = ["ACDEvent", "RoutePointEvent", "ConferenceEvent"];

/// Types of a package's file that belong to packages bwcsta does not
/// subscribe: the call forwarding file holds four packages' events, of
/// which `xsi.feature_packages` offers Call Forwarding Always only.
const OTHER_PACKAGES: [&str; 3] = [
    "CallForwardingAlwaysSecondaryEvent",
    "CallForwardingBusyEvent",
    "CallForwardingNoAnswerEvent",
];

#[test]
fn every_event_type_of_the_subscribed_packages_is_mapped_or_listed() {
    let mut mapped = 0;
    let mut not_reported = 0;
    for (package, file) in FILES {
        let schema: BTreeSet<&str> = xsi::schema()
            .event_types(file)
            .into_iter()
            .filter(|t| !BASE_TYPES.contains(t) && !OTHER_PACKAGES.contains(t))
            .collect();
        let listed: BTreeSet<&str> = ROWS
            .iter()
            .filter(|r| r.package == package)
            .map(|r| r.type_name)
            .collect();
        let missing: Vec<_> = schema.difference(&listed).collect();
        let stale: Vec<_> = listed.difference(&schema).collect();
        assert!(
            missing.is_empty() && stale.is_empty(),
            "{}: neither mapped nor listed as not reported: {missing:?}; listed but not in the \
             schema: {stale:?}",
            package.name()
        );
        for row in ROWS.iter().filter(|r| r.package == package) {
            match row.csta {
                Csta::Reported(_) => mapped += 1,
                Csta::NotReported(_) => not_reported += 1,
            }
        }
    }
    let names: BTreeSet<&str> = ROWS.iter().map(|r| r.type_name).collect();
    assert_eq!(names.len(), ROWS.len(), "a type listed twice");
    assert_eq!(mapped + not_reported, ROWS.len());
    // The figures of the conformance note.
    assert_eq!((mapped, not_reported), (82, 38));
}

/// The event a schema-complete document of `type_name` parses to.
fn complete(type_name: &str) -> XsiEvent {
    let xml = xsi::schema().complete_event(type_name);
    match parse_doc(xml.as_bytes()) {
        Ok(XsiDoc::Event(ev)) => ev,
        other => panic!("{type_name}: {other:?}\n{xml}"),
    }
}

/// The call a package's events are about, as it first appears: the
/// schema-complete documents all name `callhalf-1:0`.
fn first_appearance(package: Package) -> Option<&'static str> {
    match package {
        Package::AdvancedCall => Some("CallReceivedEvent"),
        Package::CallCenterQueue => Some("ACDCallAddedEvent"),
        Package::RoutePointQueue => Some("RoutePointCallAddedEvent"),
        Package::CallCenterAgent | Package::Feature(_) => None,
    }
}

/// Reported types with no CSTA event when the call is known: the
/// snapshots list the known call (no event for a listed call), an update
/// names the same far end or adds no conference leg.
const QUIET: [&str; 8] = [
    "CallUpdatedEvent",
    "ConferenceUpdatedEvent",
    "CallSubscriptionEvent",
    "CallSubscriptionResyncEvent",
    "ACDSubscriptionEvent",
    "ACDSubscriptionResyncEvent",
    "RoutePointSubscriptionEvent",
    "RoutePointSubscriptionResyncEvent",
];

/// Every reported type is read from a schema-complete document (every
/// optional element present) and becomes the CSTA events its row names,
/// valid against ECMA-323 ed3; every type not reported becomes none.
#[test]
fn complete_documents_become_what_the_table_says() {
    let ns = Edition::Ed3.namespace();
    for row in ROWS {
        let ev = complete(row.type_name);
        let user = ev.target_id.clone().unwrap_or_default();
        let mut translator = Translator::default();
        if let Some(first) = first_appearance(row.package) {
            translator.translate(&user, &complete(first));
        }
        let out = translator.translate(&user, &ev);
        match row.csta {
            Csta::Reported(text) => {
                assert!(
                    !matches!(
                        ev.data,
                        EventData::Unknown { .. } | EventData::Malformed { .. }
                    ),
                    "{}: not read: {:?}",
                    row.type_name,
                    ev.data
                );
                assert_eq!(
                    out.is_empty(),
                    QUIET.contains(&row.type_name),
                    "{}: {out:?}",
                    row.type_name
                );
                for event in &out {
                    let element = event.kind.element();
                    let short = element.trim_end_matches("Event");
                    assert!(
                        text.contains(short),
                        "{}: {element} is not in {text:?}",
                        row.type_name
                    );
                    let xml = event.to_xml(ns, "1", "6000");
                    assert_eq!(load(ED3).check(&xml), Ok(()), "{}: {xml}", row.type_name);
                }
            }
            Csta::NotReported(_) => {
                assert!(out.is_empty(), "{}: {out:?}", row.type_name);
                assert!(
                    !matches!(ev.data, EventData::Malformed { .. }),
                    "{}: {:?}",
                    row.type_name,
                    ev.data
                );
            }
        }
    }
}

#[test]
fn not_reported_is_the_table() {
    assert_eq!(
        not_reported("HookStatusEvent"),
        Some("the hook state is no call event; the call events report the calls")
    );
    assert_eq!(not_reported("CallHeldEvent"), None);
    assert_eq!(not_reported("CallTeleportedEvent"), None);
}

/// README, "Event mapping", shows the table row for row.
#[test]
fn the_readme_shows_the_table() {
    let readme = include_str!("../../../README.md");
    let lines: Vec<&str> = readme.lines().collect();
    let want = readme_table();
    let found = lines
        .windows(want.len())
        .any(|w| w.iter().zip(&want).all(|(a, b)| a == b));
    assert!(
        found,
        "README.md, Event mapping, must hold this table:\n\n{}\n",
        want.join("\n")
    );
}
