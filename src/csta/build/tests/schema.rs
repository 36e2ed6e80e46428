//! Schema checks against the derived structure files, with the shared
//! checker (`csta::schema_check`).

use super::*;
use crate::csta::schema_check::{self, ECMA354, ED3, ED6};

/// Error documents with schema-valid values for every category.
fn valid_error_documents(ns: &str) -> Vec<String> {
    let mut documents: Vec<String> = OPERATION_VALUES
        .iter()
        .map(|value| error_code(ns, ErrorCategory::Operation, value))
        .collect();
    let others = [
        (ErrorCategory::StateIncompatibility, "noActiveCall"),
        (
            ErrorCategory::StateIncompatibility,
            state_incompatibility::INVALID_OBJECT_STATE,
        ),
        (ErrorCategory::SystemResourceAvailability, "resourceBusy"),
        (
            ErrorCategory::SystemResourceAvailability,
            system_resource::RESOURCE_OUT_OF_SERVICE,
        ),
        (
            ErrorCategory::SystemResourceAvailability,
            system_resource::RESOURCE_BUSY,
        ),
        (
            ErrorCategory::SubscribedResourceAvailability,
            "objectMonitorLimitExceeded",
        ),
        (ErrorCategory::Security, "generic"),
        (
            ErrorCategory::PerformanceManagement,
            "performanceLimitExceeded",
        ),
        (ErrorCategory::Unspecified, ""),
    ];
    for (category, value) in others {
        documents.push(error_code(ns, category, value));
    }
    documents
}

#[test]
fn csta_builders_follow_ed3_and_ed6_schema() {
    for file in [ED3, ED6] {
        let schema = schema_check::load(file);
        let ns = schema.namespace();
        // Error documents from csta_cases carry a free-text value in an
        // enumerated element, so valid ones are checked instead.
        let mut documents: Vec<String> = csta_cases(ns, "1")
            .into_iter()
            .filter(|(_, message)| !matches!(message, Message::ErrorCode { .. }))
            .map(|(xml, _)| xml)
            .collect();
        documents.extend(valid_error_documents(ns));
        for state in [
            "null",
            "initiated",
            "alerting",
            "connected",
            "hold",
            "queued",
            "fail",
        ] {
            let items = [
                item("C", "D", state),
                item("", "D", ""),
                item("C", "", state),
            ];
            documents.push(snapshot_device_response(ns, &items));
        }
        for xml in &documents {
            assert_eq!(schema.check(xml), Ok(()), "{file}: {xml}");
        }
    }
}

#[test]
fn key_messages_follow_ed3_order() {
    let schema = schema_check::load(ED3);
    let ns = schema.namespace();
    let documents = [
        monitor_start_response(ns, "1136370025"),
        error_code(
            ns,
            ErrorCategory::Operation,
            operation::INVALID_MONITOR_CROSS_REF_ID,
        ),
        system_status(ns, SystemStatus::Normal),
        snapshot_device_response(ns, &[item("C1", "3021033", "alerting")]),
    ];
    for xml in &documents {
        assert_eq!(schema.check(xml), Ok(()), "{xml}");
    }
}

#[test]
fn schema_checker_catches_mistakes() {
    // The checker must reject what the builders must never produce,
    // or the tests above would prove nothing.
    let schema = schema_check::load(ED3);
    let ns = schema.namespace();
    let cases: &[(&str, &str)] = &[
        (
            "<MonitorStartResponse><monitorExistingCalls>true</monitorExistingCalls>\
             <monitorCrossRefID>1</monitorCrossRefID></MonitorStartResponse>",
            "out of schema order",
        ),
        (
            "<SystemStatus><systemStatus>fine</systemStatus></SystemStatus>",
            "is not a",
        ),
        (
            "<SystemStatus><systemStatus>normal</systemStatus>\
             <sysStatRegisterID>1</sysStatRegisterID></SystemStatus>",
            "out of schema order",
        ),
        (
            "<CSTAErrorCode><systemResourceAvailability>generic\
             </systemResourceAvailability></CSTAErrorCode>",
            "not a child",
        ),
        (
            "<CSTAErrorCode><operation>notAnError</operation></CSTAErrorCode>",
            "is not a",
        ),
        (
            "<SnapshotDeviceResponse><crossRefIDorSnapshotData><snapshotData>\
             <snapshotDeviceResponseInfo><localCallState><unknown/></localCallState>\
             <connectionIdentifier/></snapshotDeviceResponseInfo></snapshotData>\
             </crossRefIDorSnapshotData></SnapshotDeviceResponse>",
            "out of schema order",
        ),
        (
            "<SnapshotDeviceResponse><crossRefIDorSnapshotData><snapshotData><item/>\
             </snapshotData></crossRefIDorSnapshotData></SnapshotDeviceResponse>",
            "not a child",
        ),
    ];
    for (xml, needle) in cases {
        let xml = xml.replacen('>', &format!(" xmlns=\"{ns}\">"), 1);
        let got = schema.check(&xml);
        assert!(
            got.as_ref().is_err_and(|e| e.contains(needle)),
            "{xml} gave {got:?}, expected an error with {needle:?}"
        );
    }
}

#[test]
fn session_builders_follow_ecma354_schema() {
    let schema = schema_check::load(ECMA354);
    let mut documents: Vec<String> = session_cases("x").into_iter().map(|(xml, _)| xml).collect();
    documents.retain(|x| !x.contains("NegResponse"));
    for value in SESSION_ERRORS {
        documents.push(start_application_session_neg_response(value));
    }
    for xml in &documents {
        assert_eq!(schema.check(xml), Ok(()), "{xml}");
    }
}

#[test]
fn enumerated_values_exist_in_both_editions() {
    for file in [ED3, ED6] {
        let schema = schema_check::load(file);
        let statuses = schema.enum_values("SystemStatusValue");
        for status in SYSTEM_STATUSES {
            assert!(statuses.contains(&status.as_str()), "{file}: {status:?}");
        }
        let operations = schema.enum_values("OperationErrors");
        for value in OPERATION_VALUES {
            assert!(operations.contains(&value), "{file}: {value}");
        }
        let states = schema.enum_values("StateIncompatibilityErrors");
        assert!(states.contains(&state_incompatibility::INVALID_OBJECT_STATE));
        let agent_states = schema.enum_values("AgentState");
        for value in agent_state::ALL {
            assert!(agent_states.contains(&value), "{file}: {value}");
        }
        let resources = schema.enum_values("SystemResourceAvailabilityErrors");
        for value in [
            system_resource::RESOURCE_OUT_OF_SERVICE,
            system_resource::RESOURCE_BUSY,
            system_resource::REGISTRATION_LIMIT_EXCEEDED,
        ] {
            assert!(resources.contains(&value), "{file}: {value}");
        }
    }
    let schema = schema_check::load(ECMA354);
    let defined = schema.enum_values("StartApplicationSessionNegResponseErrorCodeDefinedError");
    for value in SESSION_ERRORS {
        assert!(defined.contains(&value), "{value}");
    }
}
