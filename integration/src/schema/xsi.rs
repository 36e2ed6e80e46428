//! The BroadWorks Xsi structure file (`integration/data/schemas/
//! xsi-structure.json`, a structural summary of the official Xsi schema;
//! see `integration/data/SOURCES.md`): the checker of every body bwcsta
//! sends to an XSP and of every document the simulator sends to bwcsta.
//!
//! A document passes when:
//! - its root is a global element of the schema in the Xsi namespace, and
//!   every element below it is in that namespace too (element content is
//!   namespace-qualified; attributes are not);
//! - an element whose type is abstract (`Event`'s `BaseEvent`,
//!   `eventData`'s `EventData`) names its concrete type with `xsi:type`,
//!   and that type exists, is not abstract and derives from the declared
//!   one; an `xsi:type` is honoured on any element the same way;
//! - the element children of a complex type match its content — the base
//!   type's content first, then its own — as nested sequence and choice
//!   particles with their min/max occurrences: every required child is
//!   there, none is unknown, all are in schema order, none occurs too
//!   often;
//! - a type without content (`EmptyContent`) has no children, a simple type
//!   or simple content (`Address`) has text only, and the text is valid for
//!   its simple type: enumeration, length and value bounds, the built-in
//!   integer and boolean forms (a union is valid when one member is;
//!   patterns are not checked: none applies to what bwcsta or the
//!   simulator sends);
//! - attributes are the declared ones (required ones present), with valid
//!   values; namespace declarations and `xsi:type` are not attributes here.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{Map, Value};
use sxd_document::dom::Element;

use super::{check_enum, elements, local, read_json, text, with_root};

/// The structure file.
pub const FILE: &str = "xsi-structure.json";

/// The namespace of every Xsi element.
pub const NAMESPACE: &str = "http://schema.broadsoft.com/xsi";

/// XML Schema instance: the namespace of `xsi:type`.
const INSTANCE: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// The schema's files of the event packages bwcsta subscribes.
pub const ADVANCED_CALL: &str = "CallSession/Events/XSICallSessionEvents.xsd";
pub const CALL_CENTER_QUEUE: &str = "ACD/Events/XSIACDEvents.xsd";
pub const ROUTE_POINT_QUEUE: &str = "RoutePoint/Events/XSIRoutePointEvents.xsd";
pub const CALL_CENTER_AGENT: &str = "Agent/Events/XSIAgentEvents.xsd";
/// The `Do Not Disturb` package's file (`xsi.feature_packages`).
pub const DO_NOT_DISTURB: &str = "Services/Events/XSIDoNotDisturbEvents.xsd";
/// The file of the call forwarding packages: `Call Forwarding Always`
/// (`xsi.feature_packages`: its `CallForwardingAlwaysEvent` only), and
/// the Secondary, Busy and No Answer packages bwcsta does not subscribe.
pub const CALL_FORWARDING: &str = "Services/Events/XSICallForwardingEvents.xsd";

/// The Xsi schema, read once.
pub struct Schema {
    elements: &'static Map<String, Value>,
    types: &'static Map<String, Value>,
}

/// The Xsi schema (see the module documentation).
pub fn schema() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| {
        let json = read_json(FILE);
        assert_eq!(json["namespace"].as_str(), Some(NAMESPACE), "{FILE}");
        let (Some(Value::Object(elements)), Some(Value::Object(types))) =
            (json.get("elements"), json.get("types"))
        else {
            panic!("{FILE} has no elements or types");
        };
        Schema { elements, types }
    })
}

/// Checks one document against the Xsi schema.
pub fn check(xml: &str) -> Result<(), String> {
    schema().check(xml)
}

/// A type as a particle or an attribute names it.
#[derive(Clone, Copy)]
pub(crate) enum TypeRef<'s> {
    /// A named type, or a built-in one (`string`, `int`, …) when the schema
    /// does not define it.
    Named(&'s str),
    /// An anonymous complex type.
    Inline(&'s Value),
    /// An anonymous simple type.
    InlineSimple(&'s Value),
}

impl<'s> TypeRef<'s> {
    pub(crate) fn of(value: &'s Value) -> TypeRef<'s> {
        match value {
            Value::String(name) => TypeRef::Named(name),
            other => match (other.get("inline"), other.get("inline_simple")) {
                (Some(complex), _) => TypeRef::Inline(complex),
                (None, Some(simple)) => TypeRef::InlineSimple(simple),
                (None, None) => TypeRef::Inline(other),
            },
        }
    }

    pub(crate) fn label(self) -> &'s str {
        match self {
            TypeRef::Named(name) => name,
            TypeRef::Inline(_) | TypeRef::InlineSimple(_) => "(anonymous type)",
        }
    }
}

/// What the content matcher learnt beyond success: how far the children
/// could be matched, and which element names were tried where.
#[derive(Default)]
struct Trace {
    /// The longest prefix of the children some path through the content
    /// consumed.
    reached: usize,
    /// Element names tried at position `reached` and at the end.
    tried: Vec<(usize, &'static str)>,
}

impl Schema {
    /// The description of type `name`, if the schema defines it.
    pub fn ty(&self, name: &str) -> Option<&'static Value> {
        self.types.get(name)
    }

    /// The values of an enumerated simple type.
    pub fn enum_values(&self, type_name: &str) -> Vec<&'static str> {
        let ty = self
            .ty(type_name)
            .unwrap_or_else(|| panic!("{FILE}: no type {type_name}"));
        ty["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::trim)
            .collect()
    }

    /// The event types (concrete complex types deriving from `EventData`)
    /// defined in the schema file `file`, sorted.
    pub fn event_types(&self, file: &str) -> Vec<&'static str> {
        let mut names: Vec<&'static str> = self
            .types
            .iter()
            .filter(|(_, ty)| ty["file"].as_str() == Some(file))
            .filter(|(_, ty)| ty["kind"] == "complex" && ty["abstract"] != true)
            .filter(|(name, _)| self.derives_from(name, "EventData"))
            .map(|(name, _)| name.as_str())
            .collect();
        names.sort_unstable();
        names
    }

    /// The names of all types, sorted.
    pub(crate) fn type_names(&self) -> impl Iterator<Item = &'static str> {
        self.types.keys().map(String::as_str)
    }

    /// The type of the global element `name`.
    pub(crate) fn element_type(&self, name: &str) -> TypeRef<'static> {
        let declared = self
            .elements
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not a global element"));
        TypeRef::of(declared)
    }

    /// The description of a complex or simple type; `None` for a built-in
    /// one.
    pub(crate) fn describe(&self, ty: TypeRef<'static>) -> Option<&'static Value> {
        match ty {
            TypeRef::Named(n) => self.ty(n),
            TypeRef::Inline(v) | TypeRef::InlineSimple(v) => Some(v),
        }
    }

    /// Whether `value` is valid for the simple type `ty`.
    pub(crate) fn valid_simple(&self, ty: TypeRef<'static>, value: &str) -> bool {
        self.check_simple("", ty, value).is_ok()
    }

    /// Whether type `name` is `base` or derives from it.
    pub(crate) fn derives_from(&self, name: &str, base: &str) -> bool {
        let mut at = Some(name);
        // A chain is a handful of types long; the bound only guards a loop.
        for _ in 0..32 {
            match at {
                Some(n) if n == base => return true,
                Some(n) => at = self.ty(n).and_then(|t| t["base"].as_str()),
                None => return false,
            }
        }
        false
    }

    /// Checks a whole document; see the module documentation.
    pub fn check(&self, xml: &str) -> Result<(), String> {
        self.check_document(xml).1
    }

    /// What the document is — its `eventData` type for an event, the
    /// `xsi:type` of another `Event`, else its root element's name — and
    /// the result of [`check`](Self::check).
    pub fn check_document(&self, xml: &str) -> (String, Result<(), String>) {
        let mut kind = String::from("(not XML)");
        let result = with_root(xml, |root| {
            kind = document_kind(root);
            let name = local(root);
            let Some(declared) = self.elements.get(name) else {
                return Err(format!("{name} is not a global element of the Xsi schema"));
            };
            self.check_element(root, name, TypeRef::of(declared))
        });
        (kind, result)
    }

    fn check_element(
        &self,
        el: Element<'_>,
        path: &str,
        declared: TypeRef<'static>,
    ) -> Result<(), String> {
        if el.name().namespace_uri() != Some(NAMESPACE) {
            return Err(format!(
                "{path}: in namespace {:?}, not the Xsi namespace",
                el.name().namespace_uri()
            ));
        }
        let ty = self.concrete_type(el, path, declared)?;
        let name = ty.label();
        let desc = match ty {
            TypeRef::Named(n) => self.ty(n),
            TypeRef::Inline(v) => Some(v),
            TypeRef::InlineSimple(_) => None,
        };
        let Some(desc) = desc.filter(|d| d["kind"] != "simple") else {
            // A simple type: text only.
            if let Some(child) = elements(el).next() {
                return Err(format!("{path}/{}: {name} holds text only", local(child)));
            }
            self.check_attributes(el, path, None)?;
            return self.check_simple(path, ty, &text(el));
        };
        if desc["abstract"] == true {
            return Err(format!(
                "{path}: {name} is abstract: xsi:type must name the concrete type"
            ));
        }
        self.check_attributes(el, path, Some(desc))?;
        if let Some(simple) = desc.get("text") {
            if let Some(child) = elements(el).next() {
                return Err(format!("{path}/{}: {name} holds text only", local(child)));
            }
            return self.check_simple(path, TypeRef::of(simple), &text(el));
        }
        if !text(el).trim().is_empty() {
            return Err(format!("{path}: {name} holds no text"));
        }
        let content = self.content_of(desc);
        let children: Vec<Element<'_>> = elements(el).collect();
        let names: Vec<&str> = children.iter().map(|c| local(*c)).collect();
        self.match_content(&content, &names, path, name)?;
        for child in children {
            let child_name = local(child);
            let child_type = find_particle(&content, child_name)
                .map(|p| TypeRef::of(&p["type"]))
                .ok_or_else(|| format!("{path}/{child_name}: not a child of {name}"))?;
            self.check_element(child, &format!("{path}/{child_name}"), child_type)?;
        }
        Ok(())
    }

    /// The type `el` has: the declared one, or the one its `xsi:type`
    /// names, which must derive from the declared one.
    fn concrete_type(
        &self,
        el: Element<'_>,
        path: &str,
        declared: TypeRef<'static>,
    ) -> Result<TypeRef<'static>, String> {
        let Some(attr) = el.attributes().into_iter().find(|a| {
            a.name().namespace_uri() == Some(INSTANCE) && a.name().local_part() == "type"
        }) else {
            return Ok(declared);
        };
        let value = attr.value().trim();
        let (prefix, name) = match value.split_once(':') {
            Some((prefix, name)) => (Some(prefix), name),
            None => (None, value),
        };
        let namespace = match prefix {
            Some(prefix) => el.namespace_uri_for_prefix(prefix),
            None => el.recursive_default_namespace_uri(),
        };
        if namespace != Some(NAMESPACE) {
            return Err(format!("{path}: xsi:type {value:?} is not an Xsi type"));
        }
        let Some((name, ty)) = self.types.get_key_value(name) else {
            return Err(format!("{path}: xsi:type {value:?}: no such type"));
        };
        if ty["abstract"] == true {
            return Err(format!("{path}: xsi:type {name} is abstract"));
        }
        match declared {
            TypeRef::Named(base) if self.derives_from(name, base) => Ok(TypeRef::Named(name)),
            _ => Err(format!(
                "{path}: xsi:type {name} does not derive from {}",
                declared.label()
            )),
        }
    }

    /// The content particles of a complex type: its base's, then its own.
    pub(crate) fn content_of(&self, desc: &'static Value) -> Vec<&'static Value> {
        let mut out = match desc["base"].as_str().and_then(|b| self.ty(b)) {
            Some(base) => self.content_of(base),
            None => Vec::new(),
        };
        out.extend(desc["content"].as_array().into_iter().flatten());
        out
    }

    /// Matches the children `names` against `content` (a sequence of
    /// particles); the error says what is wrong where.
    fn match_content(
        &self,
        content: &[&'static Value],
        names: &[&str],
        path: &str,
        type_name: &str,
    ) -> Result<(), String> {
        let mut trace = Trace::default();
        let mut ends = BTreeSet::from([0]);
        for particle in content {
            ends = ends
                .into_iter()
                .flat_map(|at| repeat(particle, names, at, &mut trace))
                .collect();
        }
        if ends.contains(&names.len()) {
            return Ok(());
        }
        let at = trace.reached;
        let expected: BTreeSet<&str> = trace
            .tried
            .iter()
            .filter(|(pos, _)| *pos == at)
            .map(|(_, n)| *n)
            .collect();
        let expected = expected.into_iter().collect::<Vec<_>>().join(", ");
        match names.get(at) {
            Some(name) if find_particle(content, name).is_some() => Err(format!(
                "{path}/{name}: out of schema order in {type_name} (expected one of {expected})"
            )),
            Some(name) => Err(format!("{path}/{name}: not a child of {type_name}")),
            None => Err(format!(
                "{path}: missing a required child of {type_name} (expected one of {expected})"
            )),
        }
    }

    /// Checks the attributes of `el` against those `desc` (and its bases)
    /// declares; `None` for a simple type, which has none.
    fn check_attributes(
        &self,
        el: Element<'_>,
        path: &str,
        desc: Option<&'static Value>,
    ) -> Result<(), String> {
        let mut declared: Vec<&Value> = Vec::new();
        let mut at = desc;
        while let Some(d) = at {
            declared.extend(d["attributes"].as_array().into_iter().flatten());
            at = d["base"].as_str().and_then(|b| self.ty(b));
        }
        for attr in el.attributes() {
            if attr.name().namespace_uri() == Some(INSTANCE) {
                continue;
            }
            let name = attr.name().local_part();
            let spec = declared
                .iter()
                .find(|d| d["name"].as_str() == Some(name) && attr.name().namespace_uri().is_none())
                .ok_or_else(|| format!("{path}/@{name}: not an attribute of this element"))?;
            self.check_simple(
                &format!("{path}/@{name}"),
                TypeRef::of(&spec["type"]),
                attr.value(),
            )?;
        }
        for spec in declared.iter().filter(|d| d["use"] == "required") {
            let name = spec["name"].as_str().unwrap_or_default();
            if el.attribute_value(name).is_none() {
                return Err(format!("{path}: missing the required attribute {name}"));
            }
        }
        Ok(())
    }

    /// Checks `value` against a simple type: its nearest enumeration and
    /// facets along the base chain, a union's members, and the built-in type
    /// it ends in.
    fn check_simple(&self, path: &str, ty: TypeRef<'_>, value: &str) -> Result<(), String> {
        let label = ty.label();
        let mut at = ty;
        let mut enumeration = None;
        let mut facets: Vec<&Value> = Vec::new();
        for _ in 0..32 {
            let desc = match at {
                TypeRef::Named(n) => match self.ty(n) {
                    Some(d) => d,
                    None => return check_built_in(path, label, n, enumeration, &facets, value),
                },
                TypeRef::Inline(d) | TypeRef::InlineSimple(d) => d,
            };
            if let Some(members) = desc["union"].as_array() {
                let ok = members
                    .iter()
                    .any(|m| self.check_simple(path, TypeRef::of(m), value).is_ok());
                return if ok {
                    Ok(())
                } else {
                    Err(format!("{path}: {value:?} is not a {label} value"))
                };
            }
            if enumeration.is_none() {
                enumeration = desc["enum"].as_array();
            }
            facets.push(desc);
            at = match desc["base"].as_str() {
                Some(base) => TypeRef::Named(base),
                None => return Err(format!("{path}: {label} has no base type")),
            };
        }
        Err(format!("{path}: {label}: base types too deep"))
    }
}

/// What a document is, for counting: see [`Schema::check_document`].
fn document_kind(root: Element<'_>) -> String {
    let type_of = |el: Element<'_>| {
        el.attributes()
            .into_iter()
            .find(|a| a.name().namespace_uri() == Some(INSTANCE) && a.name().local_part() == "type")
            .map(|a| {
                let v = a.value();
                v.rsplit_once(':').map_or(v, |(_, l)| l).to_owned()
            })
    };
    elements(root)
        .find(|c| local(*c) == "eventData")
        .and_then(type_of)
        .or_else(|| type_of(root))
        .unwrap_or_else(|| local(root).to_owned())
}

/// The element particle named `name` anywhere in `content`: within one
/// type an element name always has one type.
fn find_particle(content: &[&'static Value], name: &str) -> Option<&'static Value> {
    content.iter().find_map(|p| {
        if p["name"].as_str() == Some(name) {
            return Some(*p);
        }
        let group = p.get("sequence").or_else(|| p.get("choice"))?.as_array()?;
        let members: Vec<&'static Value> = group.iter().collect();
        find_particle(&members, name)
    })
}

/// The positions where `particle`, with its min/max occurrences, can end
/// when it starts at child `at`.
fn repeat(
    particle: &'static Value,
    names: &[&str],
    at: usize,
    trace: &mut Trace,
) -> BTreeSet<usize> {
    let min = particle["min"].as_u64().unwrap_or(1) as usize;
    // Unbounded: never more often than there are children (plus the
    // required ones that may match nothing).
    let max = particle["max"]
        .as_u64()
        .map_or(names.len() + min + 1, |m| m as usize);
    let mut out = BTreeSet::new();
    if min == 0 {
        out.insert(at);
    }
    let mut reached = BTreeSet::from([at]);
    for count in 1..=max {
        let next: BTreeSet<usize> = reached
            .iter()
            .flat_map(|&from| once(particle, names, from, trace))
            .collect();
        if count >= min {
            out.extend(next.iter().copied());
        }
        if next.is_empty() || next == reached {
            break;
        }
        reached = next;
    }
    out
}

/// The positions where one occurrence of `particle` can end.
fn once(particle: &'static Value, names: &[&str], at: usize, trace: &mut Trace) -> BTreeSet<usize> {
    if let Some(name) = particle["name"].as_str() {
        trace.tried.push((at, name));
        if names.get(at) == Some(&name) {
            trace.reached = trace.reached.max(at + 1);
            return BTreeSet::from([at + 1]);
        }
        return BTreeSet::new();
    }
    if let Some(members) = particle["sequence"].as_array() {
        let mut ends = BTreeSet::from([at]);
        for member in members {
            ends = ends
                .into_iter()
                .flat_map(|from| repeat(member, names, from, trace))
                .collect();
        }
        return ends;
    }
    if let Some(members) = particle["choice"].as_array() {
        return members
            .iter()
            .flat_map(|member| repeat(member, names, at, trace))
            .collect();
    }
    BTreeSet::new()
}

/// The built-in types whose values are integers.
const INTEGERS: [&str; 13] = [
    "int",
    "long",
    "integer",
    "short",
    "byte",
    "nonNegativeInteger",
    "positiveInteger",
    "nonPositiveInteger",
    "negativeInteger",
    "unsignedInt",
    "unsignedLong",
    "unsignedShort",
    "unsignedByte",
];

/// Checks `value` of a type ending in the built-in `built_in`, with the
/// nearest `enumeration` and the `facets` met on the way.
fn check_built_in(
    path: &str,
    label: &str,
    built_in: &str,
    enumeration: Option<&Vec<Value>>,
    facets: &[&Value],
    value: &str,
) -> Result<(), String> {
    // Every type but string and normalizedString collapses whitespace.
    let value = match built_in {
        "string" | "normalizedString" => value,
        _ => value.trim(),
    };
    let bad = || format!("{path}: {value:?} is not a {label} value");
    if let Some(values) = enumeration {
        check_enum(path, label, values, value)?;
    }
    let number = if INTEGERS.contains(&built_in) {
        let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let n: i128 = value.parse().map_err(|_| bad())?;
        let (lo, hi) = match built_in {
            "int" => (i32::MIN.into(), i32::MAX.into()),
            "long" => (i64::MIN.into(), i64::MAX.into()),
            "short" => (i16::MIN.into(), i16::MAX.into()),
            "byte" => (i8::MIN.into(), i8::MAX.into()),
            "unsignedInt" => (0, u32::MAX.into()),
            "unsignedLong" => (0, u64::MAX.into()),
            "unsignedShort" => (0, u16::MAX.into()),
            "unsignedByte" => (0, u8::MAX.into()),
            "nonNegativeInteger" => (0, i128::MAX),
            "positiveInteger" => (1, i128::MAX),
            "nonPositiveInteger" => (i128::MIN, 0),
            "negativeInteger" => (i128::MIN, -1),
            _ => (i128::MIN, i128::MAX),
        };
        if n < lo || n > hi {
            return Err(bad());
        }
        Some(n)
    } else {
        if built_in == "boolean" && !matches!(value, "true" | "false" | "1" | "0") {
            return Err(bad());
        }
        None
    };
    let length = value.chars().count();
    let facet = |desc: &Value, key: &str| -> Option<i128> {
        let v = &desc[key];
        v.as_str()
            .and_then(|s| s.parse().ok())
            .or_else(|| v.as_i64().map(i128::from))
    };
    // The nearest type that sets a facet decides it.
    let nearest = |key: &str| facets.iter().find_map(|d| facet(d, key));
    let fits = |key: &str, ok: &dyn Fn(i128) -> bool| nearest(key).is_none_or(ok);
    let len = length as i128;
    let length_ok = fits("length", &|l| len == l)
        && fits("minLength", &|l| len >= l)
        && fits("maxLength", &|l| len <= l);
    let bounds_ok = match number {
        Some(n) => fits("minInclusive", &|m| n >= m) && fits("maxInclusive", &|m| n <= m),
        None => true,
    };
    if length_ok && bounds_ok {
        Ok(())
    } else {
        Err(bad())
    }
}
