//! The real-traffic samples under `integration/data/csta` (our own, with the quirks of real traffic).

use super::*;

fn sample_messages() -> Vec<(&'static str, &'static str, Option<Edition>, Message)> {
    use Message as M;
    vec![
        (
            "01-ServiceInitiatedEvent-ed4-private.xml",
            "ServiceInitiatedEvent",
            Some(Edition::Ed4),
            M::Event(EventInfo {
                name: s("ServiceInitiatedEvent"),
                cross_ref: Some(s("4711")),
                connection: Some((
                    s("initiatedConnection"),
                    conn(
                        Some("0A1B2C3D4E5F60718293A4B5C6D7E8F9"),
                        Some("441632960101"),
                    ),
                )),
                devices: devices(&[("initiatingDevice", Some("N<441632960101>;noa=nat"))]),
                local_connection_info: Some(s("initiated")),
                cause: Some(s("makeCall")),
            }),
        ),
        (
            "02-OriginatedEvent-ed4-escaped-identifiers.xml",
            "OriginatedEvent",
            Some(Edition::Ed4),
            M::Event(EventInfo {
                name: s("OriginatedEvent"),
                cross_ref: Some(s("4711")),
                connection: Some((
                    s("originatedConnection"),
                    conn(
                        Some("0A1B2C3D4E5F60718293A4B5C6D7E8F9"),
                        Some("441632960101"),
                    ),
                )),
                devices: devices(&[
                    ("callingDevice", Some("441632960101")),
                    (
                        "calledDevice",
                        Some("N<441632960202>;displayNumber=441632960202;noa=nat"),
                    ),
                ]),
                local_connection_info: Some(s("connected")),
                cause: Some(s("newCall")),
            }),
        ),
        (
            "03-MonitorStop-ed4-private.xml",
            "MonitorStop",
            Some(Edition::Ed4),
            M::MonitorStop {
                cross_ref: s("90210"),
            },
        ),
        (
            "04-StartApplicationSessionPosResponse-ecma354-unbound-prefix.xml",
            "StartApplicationSessionPosResponse",
            None,
            M::StartApplicationSessionPosResponse {
                session_id: s("S-000417"),
                protocol_version: Some(s(ED4)),
                duration: Some(300),
            },
        ),
        (
            "05-SystemRegisterResponse-ed4.xml",
            "SystemRegisterResponse",
            Some(Edition::Ed4),
            M::SystemRegisterResponse {
                register_id: s("reg-7"),
            },
        ),
        (
            "06-MonitorStartResponse-ed4.xml",
            "MonitorStartResponse",
            Some(Edition::Ed4),
            M::MonitorStartResponse {
                cross_ref: s("777001"),
            },
        ),
        (
            "07-DeliveredEvent-ed4-pretty-printed.xml",
            "DeliveredEvent",
            Some(Edition::Ed4),
            M::Event(EventInfo {
                name: s("DeliveredEvent"),
                cross_ref: Some(s("31337")),
                connection: Some((
                    s("connection"),
                    conn(
                        Some("77AA00BB11CC22DD33EE44FF55006611"),
                        Some("441632960303"),
                    ),
                )),
                devices: devices(&[
                    ("alertingDevice", Some("N<441632960303>;noa=nat")),
                    (
                        "callingDevice",
                        Some(
                            "N<7005550142>Trunk12;displayNumber=7005550142;\
                             uid=77AA00BB11CC22DD33EE44FF55006611",
                        ),
                    ),
                    ("calledDevice", Some("N<441632960303>;noa=nat")),
                    ("lastRedirectionDevice", None),
                    ("networkCalledDevice", Some("08001")),
                    ("associatedCallingDevice", None),
                ]),
                local_connection_info: Some(s("alerting")),
                cause: Some(s("enteringDistribution")),
            }),
        ),
        (
            "08-MonitorStart-nonamespace-private.xml",
            "MonitorStart",
            None,
            M::MonitorStart {
                device: s("4416329604"),
                filter: MonitorFilter::default(),
            },
        ),
        (
            "09-StartApplicationSession-nonamespace.xml",
            "StartApplicationSession",
            None,
            M::StartApplicationSession {
                application_id: s("fixture-tool"),
                protocol_versions: vec![s(ED4)],
                requested_duration: Some(300),
            },
        ),
        (
            "10-CallInformationEvent-ed4-prefix-on-root.xml",
            "CallInformationEvent",
            Some(Edition::Ed4),
            M::Event(EventInfo {
                name: s("CallInformationEvent"),
                cross_ref: Some(s("31338")),
                connection: Some((
                    s("connection"),
                    conn(
                        Some("1234ABCD1234ABCD1234ABCD1234ABCD"),
                        Some("441632960404"),
                    ),
                )),
                devices: devices(&[("device", Some("N<441632960404>;noa=nat"))]),
                local_connection_info: None,
                cause: None,
            }),
        ),
        (
            "11-MonitorStart-ed4-prefixed.xml",
            "MonitorStart",
            Some(Edition::Ed4),
            M::MonitorStart {
                device: s("5550123"),
                filter: MonitorFilter::default(),
            },
        ),
        (
            "12-SystemRegister-ed2-ecma-ch.xml",
            "SystemRegister",
            Some(Edition::Ed2),
            M::SystemRegister {
                system_status: true,
            },
        ),
        (
            "13-SystemStatusResponse-ed4-empty.xml",
            "SystemStatusResponse",
            Some(Edition::Ed4),
            M::SystemStatusResponse,
        ),
        (
            "14-SnapshotDeviceResponse-ed4-empty.xml",
            "SnapshotDeviceResponse",
            Some(Edition::Ed4),
            M::SnapshotDeviceResponse { items: vec![] },
        ),
        (
            "15-MakeCallResponse-ed4.xml",
            "MakeCallResponse",
            Some(Edition::Ed4),
            M::MakeCallResponse {
                calling_device: conn(
                    Some("C0FFEE00C0FFEE00C0FFEE00C0FFEE00"),
                    Some("441632960101"),
                ),
            },
        ),
        (
            "16-MonitorStart-ed4-no-declaration.xml",
            "MonitorStart",
            Some(Edition::Ed4),
            M::MonitorStart {
                device: s("318800"),
                filter: MonitorFilter::default(),
            },
        ),
        (
            "17-RequestSystemStatus-ed3-foreign-private.xml",
            "RequestSystemStatus",
            Some(Edition::Ed3),
            M::RequestSystemStatus,
        ),
        (
            "18-StartApplicationSession-ecma354-vendor-info.xml",
            "StartApplicationSession",
            None,
            M::StartApplicationSession {
                application_id: s("DeskApp"),
                protocol_versions: vec![s(ED3)],
                requested_duration: Some(120),
            },
        ),
        (
            "19-ResetApplicationSessionTimer-ecma354.xml",
            "ResetApplicationSessionTimer",
            None,
            M::ResetApplicationSessionTimer {
                session_id: s("S-000417"),
                requested_duration: Some(120),
            },
        ),
        (
            "20-MonitorStart-ed3-filter-private.xml",
            "MonitorStart",
            Some(Edition::Ed3),
            M::MonitorStart {
                device: s("5550177"),
                filter: MonitorFilter::from_flags(&[
                    "buttonInformation",
                    "displayUpdated",
                    "hookswitch",
                    "lampMode",
                    "ringerStatus",
                ]),
            },
        ),
        (
            "21-SetDoNotDisturb-ed3-latin1-declaration.xml",
            "SetDoNotDisturb",
            Some(Edition::Ed3),
            M::SetDoNotDisturb {
                device: s("5550188"),
                on: true,
            },
        ),
        (
            "22-SetForwarding-ed3-empty-ringcount.xml",
            "SetForwarding",
            Some(Edition::Ed3),
            M::SetForwarding {
                device: s("5550188"),
                forwarding_type: Some(s("forwardImmediate")),
                activate: true,
                forward_dn: Some(s("5550199")),
            },
        ),
        (
            "23-CSTAErrorCode-private-nonamespace.xml",
            "CSTAErrorCode",
            None,
            M::ErrorCode {
                category: s("privateErrorCode"),
                value: s("Feature Denied"),
            },
        ),
    ]
}

#[test]
fn every_sample_parses_to_its_message() {
    let cases = sample_messages();
    assert_eq!(cases.len(), 23, "one case per sample file");
    for (file, root, edition, want) in cases {
        let bytes = std::fs::read(format!("{SAMPLES}{file}")).expect("sample file");
        let got = parse(&bytes).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(got.root, root, "{file}");
        assert_eq!(got.edition, edition, "{file}");
        assert_eq!(got.message, want, "{file}");
    }
}

#[test]
fn sample_filter_keeps_unlisted_events() {
    let bytes =
        std::fs::read(format!("{SAMPLES}20-MonitorStart-ed3-filter-private.xml")).expect("sample");
    let Ok(Incoming {
        message: Message::MonitorStart { filter, .. },
        ..
    }) = parse(&bytes)
    else {
        panic!("sample 20 is a MonitorStart");
    };
    let cases: &[(&str, bool)] = &[
        ("hookswitch", true),
        ("lampMode", true),
        ("delivered", false),
        ("established", false),
        ("linkDown", false), // Avaya private, inside <extensions>
        ("invertFilter", false),
        ("physicalDeviceFeature", false),
    ];
    for (flag, want) in cases {
        assert_eq!(filter.suppresses(flag), *want, "{flag}");
    }
}
