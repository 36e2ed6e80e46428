//! ECMA-323 ed3 structure check: children in schema order, every child
//! known, enumerated values among the schema's values.

use super::*;

const ED3_STRUCTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/integration/data/schemas/ecma323-ed3-structure.json"
);

fn schema() -> &'static Value {
    static SCHEMA: OnceLock<Value> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let text = std::fs::read_to_string(ED3_STRUCTURE)
            .unwrap_or_else(|e| panic!("cannot read {ED3_STRUCTURE}: {e}"));
        serde_json::from_str(&text).expect("structure JSON")
    })
}

pub(super) fn schema_type(name: &str) -> Option<&'static Value> {
    schema()["types"].get(name)
}

/// One position of a type's sequence: the element names allowed there
/// (one, or the members of a choice) with their types.
struct Slot {
    names: Vec<(String, String)>,
    /// A choice array (`object[]`, e.g. ConnectionID's callID/deviceID):
    /// the position may repeat.
    repeat: bool,
    /// `array(item=X)`: the element wraps a list of `X`.
    item: Option<String>,
}

impl Slot {
    fn type_of(&self, name: &str) -> Option<&str> {
        self.names
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }
}

/// The element positions of a class type, the base type's first.
fn slots(ty: &Value) -> Vec<Slot> {
    let mut out = match ty.get("extends").and_then(Value::as_str) {
        Some(base) => schema_type(base).map(slots).unwrap_or_default(),
        None => Vec::new(),
    };
    for child in ty["children"].as_array().into_iter().flatten() {
        let kind = child["kind"].as_str().unwrap_or_default();
        let name = child["name"].as_str().unwrap_or_default().to_owned();
        let child_ty = child["type"].as_str().unwrap_or_default().to_owned();
        if kind == "attribute" || kind == "text" || kind == "any" {
            continue;
        }
        if let Some(choice) = child.get("choice").and_then(Value::as_array) {
            out.push(Slot {
                names: choice
                    .iter()
                    .map(|m| {
                        let n = m["name"].as_str().unwrap_or_default().to_owned();
                        let t = m["type"].as_str().unwrap_or_default().to_owned();
                        (n, t)
                    })
                    .collect(),
                repeat: child_ty.ends_with("[]"),
                item: None,
            });
        } else {
            let item = kind
                .strip_prefix("array(item=")
                .and_then(|r| r.strip_suffix(')'))
                .map(str::to_owned);
            out.push(Slot {
                names: vec![(name, child_ty)],
                repeat: false,
                item,
            });
        }
    }
    out
}

/// Checks the produced document: root namespace, then every element's
/// children in schema order and known, enumerated texts among the values.
pub(super) fn schema_check(xml: &str) -> Result<(), String> {
    let package = sxd_document::parser::parse(xml).map_err(|e| e.to_string())?;
    let doc = package.as_document();
    let root = root_element(&doc);
    let name = local(root);
    let ns = schema()["namespace"].as_str().unwrap_or_default();
    if root.name().namespace_uri() != Some(ns) {
        return Err(format!(
            "{name}: namespace {:?}",
            root.name().namespace_uri()
        ));
    }
    let ty = schema_type(name)
        .filter(|t| t["element"].as_str() == Some(name))
        .ok_or_else(|| format!("{name} is not an ed3 element"))?;
    check_children(root, name, ty)
}

fn check_element(el: Element<'_>, path: &str, type_name: &str) -> Result<(), String> {
    let Some(ty) = schema_type(type_name) else {
        // A simple type (string, bool, ...): text only.
        return match elements(el).next() {
            Some(c) => Err(format!("{path}: unexpected child {}", local(c))),
            None => Ok(()),
        };
    };
    if let Some(values) = ty.get("values").and_then(Value::as_array) {
        let t = text(el);
        return if values.iter().any(|v| v.as_str() == Some(t.as_str())) {
            Ok(())
        } else {
            Err(format!("{path}: {t:?} is not a {type_name} value"))
        };
    }
    check_children(el, path, ty)
}

fn check_children(el: Element<'_>, path: &str, ty: &Value) -> Result<(), String> {
    let slots = slots(ty);
    let mut cursor = 0;
    for child in elements(el) {
        let name = local(child);
        let child_path = format!("{path}/{name}");
        let Some(at) = (cursor..slots.len()).find(|&i| slots[i].type_of(name).is_some()) else {
            return Err(if slots.iter().any(|s| s.type_of(name).is_some()) {
                format!("{child_path}: out of schema order")
            } else {
                format!("{child_path}: not a child of this type")
            });
        };
        let slot = &slots[at];
        let child_ty = slot.type_of(name).unwrap_or_default();
        match &slot.item {
            Some(item) => {
                let item_ty = child_ty.trim_end_matches("[]");
                for entry in elements(child) {
                    if local(entry) != item {
                        return Err(format!("{child_path}/{}: expected {item}", local(entry)));
                    }
                    check_element(entry, &format!("{child_path}/{item}"), item_ty)?;
                }
            }
            None => check_element(child, &child_path, child_ty)?,
        }
        cursor = if slot.repeat { at } else { at + 1 };
    }
    Ok(())
}
