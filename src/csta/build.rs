//! The XML documents the server sends: responses, errors, and its own
//! requests (`SystemStatus`, `MonitorStop`).
//!
//! Invariants:
//! - every document is complete and well-formed (built with
//!   [`XmlWriter`], which escapes all values), with children in schema
//!   sequence order, which the tests check against the derived ECMA-323 ed3
//!   and ed6 structure files;
//! - ECMA-323 messages go out in the namespace the caller passes (the
//!   client's edition, see [`super::edition::Edition::namespace`]); ECMA-354
//!   session messages always use [`APPL_SESSION_NS`];
//! - enumerated values come from the typed enums and constants here, which
//!   the tests check against the schema's enumerations; free-text values
//!   (ids, `error_code`'s value) are the caller's responsibility.

use super::edition::APPL_SESSION_NS;
use super::parse::SnapshotItem;
use super::xml::XmlWriter;

/// Values of `systemStatus` the server reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SystemStatus {
    Normal,
    Disabled,
    Initializing,
    Enabled,
    MessagesLost,
    PartiallyDisabled,
}

impl SystemStatus {
    /// The schema's spelling, e.g. `"partiallyDisabled"`.
    pub fn as_str(self) -> &'static str {
        match self {
            SystemStatus::Normal => "normal",
            SystemStatus::Disabled => "disabled",
            SystemStatus::Initializing => "initializing",
            SystemStatus::Enabled => "enabled",
            SystemStatus::MessagesLost => "messagesLost",
            SystemStatus::PartiallyDisabled => "partiallyDisabled",
        }
    }
}

/// The category element of a `CSTAErrorCode`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorCategory {
    Operation,
    StateIncompatibility,
    /// Element `systemResourceAvailibility`: the schema's own spelling.
    SystemResourceAvailability,
    SubscribedResourceAvailability,
    Security,
    PerformanceManagement,
    /// Element `<unspecified/>`, which carries no value.
    Unspecified,
}

impl ErrorCategory {
    /// The element name, verbatim from the schema.
    pub fn element(self) -> &'static str {
        match self {
            ErrorCategory::Operation => "operation",
            ErrorCategory::StateIncompatibility => "stateIncompatibility",
            ErrorCategory::SystemResourceAvailability => "systemResourceAvailibility",
            ErrorCategory::SubscribedResourceAvailability => "subscribedResourceAvailability",
            ErrorCategory::Security => "security",
            ErrorCategory::PerformanceManagement => "performanceManagement",
            ErrorCategory::Unspecified => "unspecified",
        }
    }
}

/// `OperationErrors` values the server uses with [`ErrorCategory::Operation`].
pub mod operation {
    /// A frame that is not well-formed XML, or any other failure.
    pub const GENERIC: &str = "generic";
    /// A request the server does not implement.
    pub const SERVICE_NOT_SUPPORTED: &str = "serviceNotSupported";
    /// MonitorStop (or an event filter change) for an unknown cross-ref id.
    pub const INVALID_MONITOR_CROSS_REF_ID: &str = "invalidMonitorCrossRefID";
    /// A device the switch does not know.
    pub const INVALID_DEVICE_ID: &str = "invalidDeviceID";
    /// A monitor object that cannot be monitored.
    pub const INVALID_MONITOR_OBJECT: &str = "invalidMonitorObject";
    /// A call (rather than device) monitor was requested.
    pub const INVALID_MONITOR_OBJECT_TYPE: &str = "invalidMonitorObjectType";
    /// A value of the wrong type or out of range.
    pub const INVALID_PARAMETER_VALUE: &str = "invalidParameterValue";
    /// A mandatory parameter is missing.
    pub const AT_LEAST_ONE_CONDITIONAL_PARAMETER_NOT_PROVIDED: &str =
        "atLeastOneConditionalParameterNotProvided";
    /// A ConnectionID that names no connection.
    pub const INVALID_CONNECTION_ID: &str = "invalidConnectionID";
    /// A callID that names no call.
    pub const INVALID_CALL_ID: &str = "invalidCallID";
}

/// ECMA-354 `definedError` values of `StartApplicationSessionNegResponse`.
pub mod session_error {
    pub const INVALID_APPLICATION_INFO: &str = "invalidApplicationInfo";
    pub const REQUESTED_PROTOCOL_VERSION_NOT_SUPPORTED: &str =
        "requestedProtocolVersionNotSupported";
    pub const SERVER_RESOURCES_BUSY: &str = "serverResourcesBusy";
    pub const MAX_NUMBER_SESSIONS: &str = "maxNumberSessions";
}

/// A document whose root `name` is in namespace `ns`, with `body` as its
/// content.
fn document(name: &str, ns: &str, body: impl FnOnce(&mut XmlWriter)) -> String {
    let mut w = XmlWriter::new();
    w.root(name, ns);
    body(&mut w);
    w.finish()
}

/// `<CSTAErrorCode><operation>value</operation></CSTAErrorCode>`; `value`
/// is ignored for [`ErrorCategory::Unspecified`].
pub fn error_code(ns: &str, category: ErrorCategory, value: &str) -> String {
    document("CSTAErrorCode", ns, |w| match category {
        ErrorCategory::Unspecified => w.empty(category.element()),
        _ => w.leaf(category.element(), value),
    })
}

/// The server's own `SystemStatus` request.
pub fn system_status(ns: &str, status: SystemStatus) -> String {
    document("SystemStatus", ns, |w| {
        w.leaf("systemStatus", status.as_str())
    })
}

/// Acknowledges a client's `SystemStatus`.
pub fn system_status_response(ns: &str) -> String {
    document("SystemStatusResponse", ns, |_| {})
}

pub fn request_system_status_response(ns: &str, status: SystemStatus) -> String {
    document("RequestSystemStatusResponse", ns, |w| {
        w.leaf("systemStatus", status.as_str())
    })
}

pub fn system_register_response(ns: &str, register_id: &str) -> String {
    document("SystemRegisterResponse", ns, |w| {
        w.leaf("sysStatRegisterID", register_id)
    })
}

pub fn system_register_cancel_response(ns: &str) -> String {
    document("SystemRegisterCancelResponse", ns, |_| {})
}

pub fn monitor_start_response(ns: &str, cross_ref: &str) -> String {
    document("MonitorStartResponse", ns, |w| {
        w.leaf("monitorCrossRefID", cross_ref)
    })
}

/// The server's own `MonitorStop`, sent when it ends a monitor by itself.
pub fn monitor_stop(ns: &str, cross_ref: &str) -> String {
    document("MonitorStop", ns, |w| {
        w.leaf("monitorCrossRefID", cross_ref)
    })
}

pub fn monitor_stop_response(ns: &str) -> String {
    document("MonitorStopResponse", ns, |_| {})
}

/// `crossRefIDorSnapshotData/snapshotData` with one
/// `snapshotDeviceResponseInfo` per item (an empty `<snapshotData/>` when
/// there are no calls).
pub fn snapshot_device_response(ns: &str, items: &[SnapshotItem]) -> String {
    document("SnapshotDeviceResponse", ns, |w| {
        w.open("crossRefIDorSnapshotData");
        if items.is_empty() {
            w.empty("snapshotData");
        } else {
            w.open("snapshotData");
            for item in items {
                snapshot_info(w, item);
            }
            w.close("snapshotData");
        }
        w.close("crossRefIDorSnapshotData");
    })
}

/// One call: its ConnectionID (empty parts left out) and the device's
/// connection state (`<unknown/>` when the state is empty).
fn snapshot_info(w: &mut XmlWriter, item: &SnapshotItem) {
    w.open("snapshotDeviceResponseInfo");
    w.open("connectionIdentifier");
    if !item.call_id.is_empty() {
        w.leaf("callID", &item.call_id);
    }
    if !item.device_id.is_empty() {
        w.leaf("deviceID", &item.device_id);
    }
    w.close("connectionIdentifier");
    w.open("localCallState");
    if item.local_call_state.is_empty() {
        w.empty("unknown");
    } else {
        w.open("compoundCallState");
        w.leaf("localConnectionState", &item.local_call_state);
        w.close("compoundCallState");
    }
    w.close("localCallState");
    w.close("snapshotDeviceResponseInfo");
}

/// ECMA-354 positive answer to `StartApplicationSession`.
pub fn start_application_session_pos_response(
    session_id: &str,
    protocol_version: &str,
    duration: u32,
) -> String {
    document("StartApplicationSessionPosResponse", APPL_SESSION_NS, |w| {
        w.leaf("sessionID", session_id);
        w.leaf("actualProtocolVersion", protocol_version);
        w.leaf("actualSessionDuration", &duration.to_string());
    })
}

/// ECMA-354 refusal; `defined_error` is one of [`session_error`].
pub fn start_application_session_neg_response(defined_error: &str) -> String {
    document("StartApplicationSessionNegResponse", APPL_SESSION_NS, |w| {
        w.open("errorCode");
        w.leaf("definedError", defined_error);
        w.close("errorCode");
    })
}

pub fn stop_application_session_pos_response() -> String {
    document("StopApplicationSessionPosResponse", APPL_SESSION_NS, |_| {})
}

pub fn reset_application_session_timer_pos_response(duration: u32) -> String {
    document(
        "ResetApplicationSessionTimerPosResponse",
        APPL_SESSION_NS,
        |w| w.leaf("actualSessionDuration", &duration.to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::super::edition::Edition;
    use super::super::parse::{parse, Message};
    use super::*;
    use std::collections::HashMap;
    use sxd_document::dom::Element;

    const SCHEMAS: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/schemas/ecma-323/derived/"
    );

    const SYSTEM_STATUSES: [SystemStatus; 6] = [
        SystemStatus::Normal,
        SystemStatus::Disabled,
        SystemStatus::Initializing,
        SystemStatus::Enabled,
        SystemStatus::MessagesLost,
        SystemStatus::PartiallyDisabled,
    ];

    const CATEGORIES: [ErrorCategory; 7] = [
        ErrorCategory::Operation,
        ErrorCategory::StateIncompatibility,
        ErrorCategory::SystemResourceAvailability,
        ErrorCategory::SubscribedResourceAvailability,
        ErrorCategory::Security,
        ErrorCategory::PerformanceManagement,
        ErrorCategory::Unspecified,
    ];

    const OPERATION_VALUES: [&str; 10] = [
        operation::GENERIC,
        operation::SERVICE_NOT_SUPPORTED,
        operation::INVALID_MONITOR_CROSS_REF_ID,
        operation::INVALID_DEVICE_ID,
        operation::INVALID_MONITOR_OBJECT,
        operation::INVALID_MONITOR_OBJECT_TYPE,
        operation::INVALID_PARAMETER_VALUE,
        operation::AT_LEAST_ONE_CONDITIONAL_PARAMETER_NOT_PROVIDED,
        operation::INVALID_CONNECTION_ID,
        operation::INVALID_CALL_ID,
    ];

    const SESSION_ERRORS: [&str; 4] = [
        session_error::INVALID_APPLICATION_INFO,
        session_error::REQUESTED_PROTOCOL_VERSION_NOT_SUPPORTED,
        session_error::SERVER_RESOURCES_BUSY,
        session_error::MAX_NUMBER_SESSIONS,
    ];

    fn s(text: &str) -> String {
        text.to_owned()
    }

    fn item(call: &str, device: &str, state: &str) -> SnapshotItem {
        SnapshotItem {
            call_id: s(call),
            device_id: s(device),
            local_call_state: s(state),
        }
    }

    /// Every ECMA-323 builder with representative values, and the message
    /// its output must parse back to.
    fn csta_cases(ns: &str, value: &str) -> Vec<(String, Message)> {
        let items = vec![
            item(value, "3021033", "alerting"),
            item("C2", value, "hold"),
            item("", "", ""),
        ];
        let mut cases = vec![
            (
                error_code(ns, ErrorCategory::Unspecified, "ignored"),
                Message::ErrorCode {
                    category: s("unspecified"),
                    value: s(""),
                },
            ),
            (system_status_response(ns), Message::SystemStatusResponse),
            (
                system_register_response(ns, value),
                Message::SystemRegisterResponse {
                    register_id: s(value),
                },
            ),
            (
                system_register_cancel_response(ns),
                Message::SystemRegisterCancelResponse,
            ),
            (
                monitor_start_response(ns, value),
                Message::MonitorStartResponse {
                    cross_ref: s(value),
                },
            ),
            (
                monitor_stop(ns, value),
                Message::MonitorStop {
                    cross_ref: s(value),
                },
            ),
            (monitor_stop_response(ns), Message::MonitorStopResponse),
            (
                snapshot_device_response(ns, &items),
                Message::SnapshotDeviceResponse { items },
            ),
            (
                snapshot_device_response(ns, &[]),
                Message::SnapshotDeviceResponse { items: vec![] },
            ),
        ];
        for category in CATEGORIES
            .into_iter()
            .filter(|c| *c != ErrorCategory::Unspecified)
        {
            cases.push((
                error_code(ns, category, value),
                Message::ErrorCode {
                    category: s(category.element()),
                    value: s(value),
                },
            ));
        }
        for status in SYSTEM_STATUSES {
            let text = s(status.as_str());
            cases.push((
                system_status(ns, status),
                Message::SystemStatus {
                    status: text.clone(),
                },
            ));
            cases.push((
                request_system_status_response(ns, status),
                Message::RequestSystemStatusResponse { status: text },
            ));
        }
        cases
    }

    /// Every ECMA-354 builder and the message it must parse back to.
    fn session_cases(value: &str) -> Vec<(String, Message)> {
        vec![
            (
                start_application_session_pos_response(value, value, 180),
                Message::StartApplicationSessionPosResponse {
                    session_id: s(value),
                    protocol_version: Some(s(value)),
                    duration: Some(180),
                },
            ),
            (
                start_application_session_pos_response("S", "ns", u32::MAX),
                Message::StartApplicationSessionPosResponse {
                    session_id: s("S"),
                    protocol_version: Some(s("ns")),
                    duration: Some(u32::MAX),
                },
            ),
            (
                start_application_session_neg_response(value),
                Message::StartApplicationSessionNegResponse { error: s(value) },
            ),
            (
                stop_application_session_pos_response(),
                Message::StopApplicationSessionPosResponse,
            ),
            (
                reset_application_session_timer_pos_response(0),
                Message::ResetApplicationSessionTimerPosResponse { duration: Some(0) },
            ),
            (
                reset_application_session_timer_pos_response(600),
                Message::ResetApplicationSessionTimerPosResponse {
                    duration: Some(600),
                },
            ),
        ]
    }

    /// Values that must come back unchanged (parse trims outer whitespace,
    /// so none has any).
    const VALUES: [&str; 6] = [
        "1136370025",
        "<&>\"'",
        "N<302118840100>;noa=nk",
        "a&amp;b",
        "caf\u{e9} \u{1f4de}",
        "]]>",
    ];

    #[test]
    fn csta_builders_round_trip_in_every_edition() {
        for edition in Edition::ALL {
            for value in VALUES {
                for (xml, want) in csta_cases(edition.namespace(), value) {
                    let got = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"));
                    assert_eq!(got.edition, Some(edition), "{xml}");
                    assert_eq!(got.message, want, "{xml}");
                }
            }
        }
    }

    #[test]
    fn session_builders_round_trip() {
        for value in VALUES {
            for (xml, want) in session_cases(value) {
                let got = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}: {xml}"));
                assert_eq!(got.edition, None, "{xml}");
                assert_eq!(got.message, want, "{xml}");
                assert!(xml.contains(APPL_SESSION_NS), "{xml}");
            }
        }
    }

    #[test]
    fn control_characters_are_dropped_not_emitted() {
        let xml = monitor_start_response(Edition::Ed3.namespace(), "12\u{0}34\u{1b}");
        let got = parse(xml.as_bytes()).map(|i| i.message);
        assert_eq!(
            got,
            Ok(Message::MonitorStartResponse {
                cross_ref: s("1234")
            })
        );
    }

    #[test]
    fn exact_output() {
        let ed4 = Edition::Ed4.namespace();
        let head = r#"<?xml version="1.0" encoding="UTF-8"?>"#;
        let cases: Vec<(String, String)> = vec![
            (
                monitor_start_response(ed4, "1136370025"),
                format!(
                    "{head}<MonitorStartResponse xmlns=\"{ed4}\"><monitorCrossRefID>1136370025\
                     </monitorCrossRefID></MonitorStartResponse>"
                ),
            ),
            (
                error_code(
                    ed4,
                    ErrorCategory::Operation,
                    operation::SERVICE_NOT_SUPPORTED,
                ),
                format!(
                    "{head}<CSTAErrorCode xmlns=\"{ed4}\"><operation>serviceNotSupported\
                     </operation></CSTAErrorCode>"
                ),
            ),
            (
                error_code(
                    ed4,
                    ErrorCategory::SystemResourceAvailability,
                    "resourceBusy",
                ),
                format!(
                    "{head}<CSTAErrorCode xmlns=\"{ed4}\"><systemResourceAvailibility>\
                     resourceBusy</systemResourceAvailibility></CSTAErrorCode>"
                ),
            ),
            (
                error_code(ed4, ErrorCategory::Unspecified, "x"),
                format!("{head}<CSTAErrorCode xmlns=\"{ed4}\"><unspecified/></CSTAErrorCode>"),
            ),
            (
                system_status(ed4, SystemStatus::Normal),
                format!(
                    "{head}<SystemStatus xmlns=\"{ed4}\"><systemStatus>normal</systemStatus>\
                     </SystemStatus>"
                ),
            ),
            (
                snapshot_device_response(ed4, &[]),
                format!(
                    "{head}<SnapshotDeviceResponse xmlns=\"{ed4}\"><crossRefIDorSnapshotData>\
                     <snapshotData/></crossRefIDorSnapshotData></SnapshotDeviceResponse>"
                ),
            ),
            (
                reset_application_session_timer_pos_response(180),
                format!(
                    "{head}<ResetApplicationSessionTimerPosResponse xmlns=\"{APPL_SESSION_NS}\">\
                     <actualSessionDuration>180</actualSessionDuration>\
                     </ResetApplicationSessionTimerPosResponse>"
                ),
            ),
        ];
        for (got, want) in cases {
            assert_eq!(got, want);
        }
    }

    #[test]
    fn snapshot_connection_parts_are_in_schema_order() {
        let xml = snapshot_device_response("urn:x", &[item("C1", "D1", "connected")]);
        let call = xml.find("<callID>").expect("callID");
        let device = xml.find("<deviceID>").expect("deviceID");
        let state = xml.find("<localCallState>").expect("localCallState");
        // ConnectionID is callID then deviceID (the derived JSON lists the
        // pair as an alphabetical choice, so it cannot check this).
        assert!(call < device && device < state, "{xml}");
    }

    // -- Schema checks against the derived structure files -----------------

    /// Just enough JSON to read the derived structure files.
    #[derive(Debug, Clone)]
    enum Json {
        /// A number, `true`, `false` or `null`: never needed here.
        Scalar,
        Str(String),
        Array(Vec<Json>),
        Object(Vec<(String, Json)>),
    }

    impl Json {
        fn get(&self, key: &str) -> Option<&Json> {
            match self {
                Json::Object(fields) => fields.iter().find(|(k, _)| k == key).map(|(_, v)| v),
                _ => None,
            }
        }

        fn str(&self) -> Option<&str> {
            match self {
                Json::Str(text) => Some(text),
                _ => None,
            }
        }

        fn items(&self) -> &[Json] {
            match self {
                Json::Array(items) => items,
                _ => &[],
            }
        }
    }

    struct JsonReader<'a> {
        chars: std::iter::Peekable<std::str::Chars<'a>>,
    }

    impl JsonReader<'_> {
        fn parse(text: &str) -> Json {
            let mut reader = JsonReader {
                chars: text.chars().peekable(),
            };
            reader.value()
        }

        fn skip_ws(&mut self) {
            while self.chars.next_if(|c| c.is_whitespace()).is_some() {}
        }

        fn expect(&mut self, want: char) {
            self.skip_ws();
            assert_eq!(self.chars.next(), Some(want), "JSON syntax");
        }

        fn value(&mut self) -> Json {
            self.skip_ws();
            match self.chars.peek().copied() {
                Some('{') => self.object(),
                Some('[') => self.array(),
                Some('"') => Json::Str(self.string()),
                Some(_) => self.literal(),
                None => panic!("truncated JSON"),
            }
        }

        fn object(&mut self) -> Json {
            self.expect('{');
            let mut fields = Vec::new();
            loop {
                self.skip_ws();
                match self.chars.peek() {
                    Some('}') => break,
                    Some(',') => {
                        self.chars.next();
                    }
                    _ => {
                        self.skip_ws();
                        let key = self.string();
                        self.expect(':');
                        fields.push((key, self.value()));
                    }
                }
            }
            self.expect('}');
            Json::Object(fields)
        }

        fn array(&mut self) -> Json {
            self.expect('[');
            let mut items = Vec::new();
            loop {
                self.skip_ws();
                match self.chars.peek() {
                    Some(']') => break,
                    Some(',') => {
                        self.chars.next();
                    }
                    _ => items.push(self.value()),
                }
            }
            self.expect(']');
            Json::Array(items)
        }

        fn string(&mut self) -> String {
            self.expect('"');
            let mut out = String::new();
            while let Some(c) = self.chars.next() {
                match c {
                    '"' => return out,
                    '\\' => match self.chars.next() {
                        Some('n') => out.push('\n'),
                        Some('t') => out.push('\t'),
                        Some('u') => {
                            let hex: String = self.chars.by_ref().take(4).collect();
                            let code = u32::from_str_radix(&hex, 16).expect("\\u escape");
                            out.push(char::from_u32(code).unwrap_or('\u{fffd}'));
                        }
                        Some(other) => out.push(other),
                        None => break,
                    },
                    c => out.push(c),
                }
            }
            panic!("unterminated JSON string")
        }

        fn literal(&mut self) -> Json {
            let mut len = 0;
            while self
                .chars
                .next_if(|c| c.is_alphanumeric() || "+-.".contains(*c))
                .is_some()
            {
                len += 1;
            }
            assert!(len > 0, "JSON syntax");
            Json::Scalar
        }
    }

    /// An element child of a schema class.
    struct SchemaChild {
        /// Index in the sequence; members of a choice share one, because
        /// the JSON lists them alphabetically rather than in schema order.
        position: usize,
        name: String,
        ty: String,
        /// For `array(item=X)` wrappers: the item element name.
        item: Option<String>,
        /// The element (or choice) may occur several times in a row.
        repeated: bool,
    }

    /// One derived structure file: type name -> type description.
    struct Schema {
        types: HashMap<String, Json>,
    }

    impl Schema {
        fn load(file: &str) -> Schema {
            let text = std::fs::read_to_string(format!("{SCHEMAS}{file}")).expect("schema file");
            let root = JsonReader::parse(&text);
            let types = match root.get("types") {
                Some(Json::Object(fields)) => fields.iter().cloned().collect(),
                _ => panic!("{file} has no types"),
            };
            Schema { types }
        }

        fn ty(&self, name: &str) -> Option<&Json> {
            self.types.get(name)
        }

        /// The type whose global element is `element`.
        fn type_of_element(&self, element: &str) -> &str {
            self.types
                .iter()
                .find(|(_, t)| t.get("element").and_then(Json::str) == Some(element))
                .map(|(name, _)| name.as_str())
                .unwrap_or_else(|| panic!("no global element {element}"))
        }

        fn enum_values(&self, type_name: &str) -> Vec<&str> {
            let ty = self
                .ty(type_name)
                .unwrap_or_else(|| panic!("no type {type_name}"));
            ty.get("values")
                .map(Json::items)
                .unwrap_or_default()
                .iter()
                .filter_map(Json::str)
                .collect()
        }

        /// The element children of a class in sequence order.
        fn element_children(&self, type_name: &str) -> Vec<SchemaChild> {
            let mut out = Vec::new();
            let Some(ty) = self.ty(type_name) else {
                return out;
            };
            let children = ty.get("children").map(Json::items).unwrap_or_default();
            for (position, child) in children.iter().enumerate() {
                let field = |json: &Json, k: &str| {
                    json.get(k)
                        .and_then(Json::str)
                        .unwrap_or_default()
                        .to_owned()
                };
                let kind = field(child, "kind");
                let repeated = field(child, "type").ends_with("[]");
                if let Some(choice) = child.get("choice") {
                    for member in choice.items() {
                        out.push(SchemaChild {
                            position,
                            name: field(member, "name"),
                            ty: field(member, "type"),
                            item: None,
                            repeated,
                        });
                    }
                } else if kind == "element" || kind.starts_with("array(item=") {
                    let item = kind
                        .strip_prefix("array(item=")
                        .map(|item| item.trim_end_matches(')').to_owned());
                    out.push(SchemaChild {
                        position,
                        name: field(child, "name"),
                        ty: field(child, "type"),
                        repeated: repeated && item.is_none(),
                        item,
                    });
                }
            }
            out
        }

        /// Checks `el` (and everything below it) against `type_name`:
        /// only schema children, in sequence order, enumerated texts taken
        /// from their enumeration.
        fn check(&self, el: Element<'_>, type_name: &str, path: &str) -> Result<(), String> {
            let type_name = type_name.trim_end_matches("[]");
            let Some(ty) = self.ty(type_name) else {
                return Ok(()); // a built-in type: string, long, bool ...
            };
            if ty.get("values").is_some() {
                let text = own_text(el);
                if !self.enum_values(type_name).contains(&text.as_str()) {
                    return Err(format!("{path}: {text:?} is not a {type_name} value"));
                }
                return Ok(());
            }
            let allowed = self.element_children(type_name);
            let mut last: Option<(usize, &str)> = None;
            for child in el.children().into_iter().filter_map(|c| c.element()) {
                let name = child.name().local_part();
                let here = format!("{path}/{name}");
                let Some(schema_child) = allowed.iter().find(|c| c.name == name) else {
                    return Err(format!("{here} is not a child of {type_name}"));
                };
                if let Some((last_position, last_name)) = last {
                    // A repeated element (or a member of a repeated choice)
                    // may follow itself; anything else must move forward.
                    let repeat = schema_child.repeated && schema_child.position == last_position;
                    if schema_child.position <= last_position && !repeat {
                        return Err(format!(
                            "{here} comes after {last_name}, against {type_name}"
                        ));
                    }
                }
                last = Some((schema_child.position, name));
                match &schema_child.item {
                    Some(item) => self.check_array(child, item, &schema_child.ty, &here)?,
                    None => self.check(child, &schema_child.ty, &here)?,
                }
            }
            Ok(())
        }

        /// An `array(item=X)` wrapper holds only `<X>` elements.
        fn check_array(
            &self,
            el: Element<'_>,
            item: &str,
            item_type: &str,
            path: &str,
        ) -> Result<(), String> {
            for child in el.children().into_iter().filter_map(|c| c.element()) {
                let name = child.name().local_part();
                if name != item {
                    return Err(format!("{path}/{name}: only <{item}> items allowed"));
                }
                self.check(child, item_type, &format!("{path}/{item}"))?;
            }
            Ok(())
        }
    }

    fn own_text(el: Element<'_>) -> String {
        el.children()
            .into_iter()
            .filter_map(|c| c.text())
            .map(|t| t.text())
            .collect()
    }

    /// Parses `xml` and checks it against `schema`, starting from the type
    /// of its root element.
    fn check_document(schema: &Schema, xml: &str) -> Result<(), String> {
        let package = sxd_document::parser::parse(xml).map_err(|e| e.to_string())?;
        let document = package.as_document();
        let root = document
            .root()
            .children()
            .into_iter()
            .find_map(|c| c.element());
        let root = root.ok_or("no root element")?;
        let name = root.name().local_part();
        schema.check(root, schema.type_of_element(name), name)
    }

    fn schema_namespace(file: &str) -> String {
        let text = std::fs::read_to_string(format!("{SCHEMAS}{file}")).expect("schema file");
        let root = JsonReader::parse(&text);
        root.get("namespace")
            .and_then(Json::str)
            .expect("namespace")
            .to_owned()
    }

    /// Error documents with schema-valid values for every category.
    fn valid_error_documents(ns: &str) -> Vec<String> {
        let mut documents: Vec<String> = OPERATION_VALUES
            .iter()
            .map(|value| error_code(ns, ErrorCategory::Operation, value))
            .collect();
        let others = [
            (ErrorCategory::StateIncompatibility, "noActiveCall"),
            (ErrorCategory::SystemResourceAvailability, "resourceBusy"),
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
        for file in ["ecma323-ed3-structure.json", "ecma323-ed6-structure.json"] {
            let schema = Schema::load(file);
            let ns = schema_namespace(file);
            // Error documents from csta_cases carry a free-text value in an
            // enumerated element, so valid ones are checked instead.
            let mut documents: Vec<String> = csta_cases(&ns, "1")
                .into_iter()
                .filter(|(_, message)| !matches!(message, Message::ErrorCode { .. }))
                .map(|(xml, _)| xml)
                .collect();
            documents.extend(valid_error_documents(&ns));
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
                documents.push(snapshot_device_response(&ns, &items));
            }
            for xml in &documents {
                assert_eq!(check_document(&schema, xml), Ok(()), "{file}: {xml}");
            }
        }
    }

    #[test]
    fn key_messages_follow_ed3_order() {
        let file = "ecma323-ed3-structure.json";
        let schema = Schema::load(file);
        let ns = schema_namespace(file);
        let documents = [
            monitor_start_response(&ns, "1136370025"),
            error_code(
                &ns,
                ErrorCategory::Operation,
                operation::INVALID_MONITOR_CROSS_REF_ID,
            ),
            system_status(&ns, SystemStatus::Normal),
            snapshot_device_response(&ns, &[item("C1", "3021033", "alerting")]),
        ];
        for xml in &documents {
            assert_eq!(check_document(&schema, xml), Ok(()), "{xml}");
        }
    }

    #[test]
    fn schema_checker_catches_mistakes() {
        // The checker must reject what the builders must never produce,
        // or the tests above would prove nothing.
        let file = "ecma323-ed3-structure.json";
        let schema = Schema::load(file);
        let ns = schema_namespace(file);
        let cases: &[(&str, &str)] = &[
            (
                "<MonitorStartResponse><monitorExistingCalls>true</monitorExistingCalls>\
                 <monitorCrossRefID>1</monitorCrossRefID></MonitorStartResponse>",
                "comes after",
            ),
            (
                "<SystemStatus><systemStatus>fine</systemStatus></SystemStatus>",
                "not a",
            ),
            (
                "<SystemStatus><systemStatus>normal</systemStatus>\
                 <sysStatRegisterID>1</sysStatRegisterID></SystemStatus>",
                "comes after",
            ),
            (
                "<CSTAErrorCode><systemResourceAvailability>generic\
                 </systemResourceAvailability></CSTAErrorCode>",
                "not a child",
            ),
            (
                "<CSTAErrorCode><operation>notAnError</operation></CSTAErrorCode>",
                "not a",
            ),
            (
                "<SnapshotDeviceResponse><crossRefIDorSnapshotData><snapshotData>\
                 <snapshotDeviceResponseInfo><localCallState><unknown/></localCallState>\
                 <connectionIdentifier/></snapshotDeviceResponseInfo></snapshotData>\
                 </crossRefIDorSnapshotData></SnapshotDeviceResponse>",
                "comes after",
            ),
            (
                "<SnapshotDeviceResponse><crossRefIDorSnapshotData><snapshotData><item/>\
                 </snapshotData></crossRefIDorSnapshotData></SnapshotDeviceResponse>",
                "not a child",
            ),
        ];
        for (xml, needle) in cases {
            let xml = xml.replacen('>', &format!(" xmlns=\"{ns}\">"), 1);
            let got = check_document(&schema, &xml);
            assert!(
                got.as_ref().is_err_and(|e| e.contains(needle)),
                "{xml} gave {got:?}, expected an error with {needle:?}"
            );
        }
    }

    #[test]
    fn session_builders_follow_ecma354_schema() {
        let schema = Schema::load("ecma354-structure.json");
        let mut documents: Vec<String> =
            session_cases("x").into_iter().map(|(xml, _)| xml).collect();
        documents.retain(|x| !x.contains("NegResponse"));
        for value in SESSION_ERRORS {
            documents.push(start_application_session_neg_response(value));
        }
        for xml in &documents {
            assert_eq!(check_document(&schema, xml), Ok(()), "{xml}");
        }
    }

    #[test]
    fn enumerated_values_exist_in_both_editions() {
        for file in ["ecma323-ed3-structure.json", "ecma323-ed6-structure.json"] {
            let schema = Schema::load(file);
            let statuses = schema.enum_values("SystemStatusValue");
            for status in SYSTEM_STATUSES {
                assert!(statuses.contains(&status.as_str()), "{file}: {status:?}");
            }
            let operations = schema.enum_values("OperationErrors");
            for value in OPERATION_VALUES {
                assert!(operations.contains(&value), "{file}: {value}");
            }
        }
        let schema = Schema::load("ecma354-structure.json");
        let defined = schema.enum_values("StartApplicationSessionNegResponseErrorCodeDefinedError");
        for value in SESSION_ERRORS {
            assert!(defined.contains(&value), "{value}");
        }
    }
}
