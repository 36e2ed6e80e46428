//! Schema checks against the derived structure files.

use super::*;
use std::collections::HashMap;
use sxd_document::dom::Element;

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
    let mut documents: Vec<String> = session_cases("x").into_iter().map(|(xml, _)| xml).collect();
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
