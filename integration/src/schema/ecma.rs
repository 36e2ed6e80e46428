//! The ECMA-323 (editions 3 and 6) and ECMA-354 structure files
//! (`integration/data/schemas/ecma*-structure.json`, derived for this
//! project; see `integration/data/SOURCES.md`): the checker of every CSTA
//! document bwcsta sends, used by its `csta::build`, `translate` and
//! `dispatcher` tests.
//!
//! A document passes when its root element is a global element of the
//! schema in the schema's namespace, and below it every element is a child
//! its type allows, in sequence order (base types' children first; members
//! of a choice share a position; a repeated element or choice may follow
//! itself; an `array(item=X)` wrapper holds only `X` items), enumerated
//! texts are among the type's values, and built-in types hold no elements.
//! The files keep no `minOccurs`, so missing elements are not reported.

use std::collections::HashMap;
use std::sync::OnceLock;

use parking_lot::Mutex;
use serde_json::Value;
use sxd_document::dom::Element;

use super::{check_enum, elements, local, read_json, text, with_root};

/// ECMA-323 edition 3, the edition bwcsta sends by default.
pub const ED3: &str = "ecma323-ed3-structure.json";
/// ECMA-323 edition 6.
pub const ED6: &str = "ecma323-ed6-structure.json";
/// ECMA-354 application sessions.
pub const ECMA354: &str = "ecma354-structure.json";

/// One structure file.
pub struct Schema {
    file: &'static str,
    namespace: String,
    types: &'static serde_json::Map<String, Value>,
    /// Global element name → its type name.
    elements: HashMap<String, String>,
}

/// The structure file `file` (one of the constants above), read once.
pub fn load(file: &'static str) -> &'static Schema {
    static LOADED: OnceLock<Mutex<HashMap<&'static str, &'static Schema>>> = OnceLock::new();
    let mut loaded = LOADED.get_or_init(Default::default).lock();
    loaded.entry(file).or_insert_with(|| {
        let root = read_json(file);
        let namespace = root["namespace"].as_str().expect("namespace").to_owned();
        let Some(Value::Object(types)) = root.get("types") else {
            panic!("{file} has no types");
        };
        let elements = types
            .iter()
            .filter_map(|(name, ty)| Some((ty["element"].as_str()?.to_owned(), name.clone())))
            .collect();
        Box::leak(Box::new(Schema {
            file,
            namespace,
            types,
            elements,
        }))
    })
}

/// One position of a type's sequence: the element names allowed there
/// (one, or the members of a choice) with their types.
struct Slot {
    names: Vec<(String, String)>,
    /// The element or choice may occur several times in a row.
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

fn field(json: &Value, key: &str) -> String {
    json[key].as_str().unwrap_or_default().to_owned()
}

impl Schema {
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The description of type `name`, if the schema defines it.
    pub fn ty(&self, name: &str) -> Option<&Value> {
        self.types.get(name)
    }

    /// The values of an enumerated type.
    pub fn enum_values(&self, type_name: &str) -> Vec<&str> {
        let ty = self
            .ty(type_name)
            .unwrap_or_else(|| panic!("{}: no type {type_name}", self.file));
        ty["values"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect()
    }

    /// Checks a whole document; see the module documentation.
    pub fn check(&self, xml: &str) -> Result<(), String> {
        with_root(xml, |root| {
            let name = root.name().local_part();
            if root.name().namespace_uri() != Some(self.namespace.as_str()) {
                return Err(format!(
                    "{name}: namespace {:?}, expected {}",
                    root.name().namespace_uri(),
                    self.namespace
                ));
            }
            let type_name = self
                .elements
                .get(name)
                .ok_or_else(|| format!("{name} is not a global element of {}", self.file))?;
            self.check_element(root, name, type_name)
        })
    }

    fn check_element(&self, el: Element<'_>, path: &str, type_name: &str) -> Result<(), String> {
        let type_name = type_name.trim_end_matches("[]");
        let Some(ty) = self.ty(type_name) else {
            // A built-in type (string, long, bool…): text only.
            return match elements(el).next() {
                Some(c) => Err(format!("{path}/{}: not a child of {type_name}", local(c))),
                None => Ok(()),
            };
        };
        if let Some(values) = ty["values"].as_array() {
            return check_enum(path, type_name, values, &text(el));
        }
        let slots = self.slots(ty);
        let mut cursor = 0;
        for child in elements(el) {
            let name = local(child);
            let child_path = format!("{path}/{name}");
            let Some(at) = (cursor..slots.len()).find(|&i| slots[i].type_of(name).is_some()) else {
                return Err(if slots.iter().any(|s| s.type_of(name).is_some()) {
                    format!("{child_path}: out of schema order in {type_name}")
                } else {
                    format!("{child_path}: not a child of {type_name}")
                });
            };
            let slot = &slots[at];
            let child_ty = slot.type_of(name).unwrap_or_default();
            match &slot.item {
                Some(item) => {
                    for entry in elements(child) {
                        if local(entry) != item {
                            let entry = local(entry);
                            return Err(format!("{child_path}/{entry}: only {item} items allowed"));
                        }
                        self.check_element(entry, &format!("{child_path}/{item}"), child_ty)?;
                    }
                }
                None => self.check_element(child, &child_path, child_ty)?,
            }
            cursor = if slot.repeat { at } else { at + 1 };
        }
        Ok(())
    }

    /// The element positions of a class type, the base type's first.
    fn slots(&self, ty: &Value) -> Vec<Slot> {
        let mut out = match ty["extends"].as_str().and_then(|base| self.ty(base)) {
            Some(base) => self.slots(base),
            None => Vec::new(),
        };
        for child in ty["children"].as_array().into_iter().flatten() {
            let kind = field(child, "kind");
            if kind == "attribute" || kind == "text" || kind == "any" {
                continue;
            }
            let child_ty = field(child, "type");
            let item = kind
                .strip_prefix("array(item=")
                .and_then(|r| r.strip_suffix(')'))
                .map(str::to_owned);
            let repeat = child_ty.ends_with("[]") && item.is_none();
            let names = match child["choice"].as_array() {
                Some(choice) => choice
                    .iter()
                    .map(|m| (field(m, "name"), field(m, "type")))
                    .collect(),
                None => vec![(field(child, "name"), child_ty)],
            };
            out.push(Slot {
                names,
                repeat,
                item,
            });
        }
        out
    }
}
