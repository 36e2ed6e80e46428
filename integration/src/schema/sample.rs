//! Schema-complete Xsi documents, made from the structure file: every
//! optional element and attribute present (once; the first member of a
//! choice; the first concrete type of an abstract one), each value valid for
//! its type and, where the element's name says what it holds, plausible
//! (`callId` `callhalf-1:0`, `address` `tel:+15552002`, …). The parser tests
//! read them, so that what a BroadWorks could put in an event is known to be
//! read, not only the fields the simulator happens to send.

use std::fmt::Write as _;

use serde_json::Value;

use super::xsi::{Schema, TypeRef, NAMESPACE};

/// Below this depth every optional element is written; deeper, only the
/// required ones (the schema's types nest, and a few refer to themselves).
const FULL_DEPTH: usize = 12;

/// Plausible values by element (or attribute) name, used when valid for
/// the element's type.
const BY_NAME: &[(&str, &str)] = &[
    ("callId", "callhalf-1:0"),
    ("answeringCallId", "callhalf-2:0"),
    ("wrapUpCallId", "callhalf-2:0"),
    ("extTrackingId", "1:1"),
    ("externalTrackingId", "1:1"),
    ("networkCallId", "BW1-1"),
    ("address", "tel:+15552002"),
    ("userDN", "tel:+15552002;ext=2002"),
    ("acdNumber", "tel:+15555000"),
    ("routePointNumber", "tel:+15556000"),
    ("userId", "2002@example.net"),
    ("targetId", "6000@example.net"),
    ("answeringUserId", "2003@example.net"),
    ("acdUserId", "5000@example.net"),
    ("wrapUpCallCenterUserId", "5000@example.net"),
    ("name", "Caller"),
    ("acdName", "Sales"),
    ("routePointName", "Route"),
    ("eventID", "e-1"),
    ("subscriptionId", "s-1"),
    ("channelId", "c-1"),
    ("externalApplicationId", "bwcsta"),
    ("countryCode", "1"),
    ("uri", "http://media.example.net/a.wav"),
];

impl Schema {
    /// A `SubscriptionEvent` whose `eventData` is a schema-complete
    /// `type_name`, as BroadWorks writes events (`xsi` = the Xsi namespace,
    /// `xsi1` = XML Schema instance).
    pub fn complete_event(&self, type_name: &str) -> String {
        let mut out = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xsi:Event xmlns:xsi=\"http://schema.broadsoft.com/xsi\" \
             xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\" xsi1:type=\"xsi:SubscriptionEvent\">",
        );
        let envelope = self.ty("SubscriptionEvent").expect("SubscriptionEvent");
        // The envelope's own fields (one sequence), then the payload of the
        // given type.
        let fields = self
            .content_of(envelope)
            .into_iter()
            .flat_map(|p| p["sequence"].as_array().into_iter().flatten());
        for particle in fields {
            if particle["name"] == "eventData" {
                out.push_str("<xsi:eventData xsi1:type=\"xsi:");
                out.push_str(type_name);
                out.push_str("\">");
                let ty = self
                    .ty(type_name)
                    .unwrap_or_else(|| panic!("no type {type_name}"));
                self.write_content(&mut out, ty, 1);
                out.push_str("</xsi:eventData>");
            } else {
                self.write_particle(&mut out, particle, 1);
            }
        }
        out.push_str("</xsi:Event>");
        out
    }

    /// A schema-complete document of the global element `name`.
    pub fn complete_element(&self, name: &str) -> String {
        let mut inner = String::new();
        self.write_element(&mut inner, name, self.element_type(name), 0);
        let root = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xsi:{name} xmlns:xsi=\"{NAMESPACE}\" \
             xmlns:xsi1=\"http://www.w3.org/2001/XMLSchema-instance\""
        );
        inner.replacen(&format!("<xsi:{name}"), &root, 1)
    }

    fn write_particle(&self, out: &mut String, particle: &'static Value, depth: usize) {
        let min = particle["min"].as_u64().unwrap_or(1);
        let times = if depth < FULL_DEPTH { min.max(1) } else { min };
        for _ in 0..times {
            if let Some(name) = particle["name"].as_str() {
                self.write_element(out, name, TypeRef::of(&particle["type"]), depth);
            } else if let Some(members) = particle["sequence"].as_array() {
                for member in members {
                    self.write_particle(out, member, depth);
                }
            } else if let Some(first) = particle["choice"].as_array().and_then(|m| m.first()) {
                self.write_particle(out, first, depth);
            }
        }
    }

    fn write_element(&self, out: &mut String, name: &str, ty: TypeRef<'static>, depth: usize) {
        let _ = write!(out, "<xsi:{name}");
        let complex = match ty {
            TypeRef::InlineSimple(_) => None,
            _ => self.describe(ty).filter(|d| d["kind"] != "simple"),
        };
        match complex {
            Some(complex) => {
                let complex = if complex["abstract"] == true {
                    let concrete = self.first_concrete(ty.label());
                    let _ = write!(out, " xsi1:type=\"xsi:{concrete}\"");
                    self.ty(concrete).expect("concrete type")
                } else {
                    complex
                };
                self.write_attributes(out, complex);
                out.push('>');
                match complex.get("text") {
                    Some(simple) => out.push_str(&self.sample(name, TypeRef::of(simple))),
                    None => self.write_content(out, complex, depth + 1),
                }
            }
            None => {
                out.push('>');
                out.push_str(&self.sample(name, ty));
            }
        }
        let _ = write!(out, "</xsi:{name}>");
    }

    fn write_content(&self, out: &mut String, desc: &'static Value, depth: usize) {
        for particle in self.content_of(desc) {
            self.write_particle(out, particle, depth);
        }
    }

    fn write_attributes(&self, out: &mut String, desc: &'static Value) {
        let mut at = Some(desc);
        while let Some(d) = at {
            for attr in d["attributes"].as_array().into_iter().flatten() {
                let name = attr["name"].as_str().unwrap_or_default();
                let value = self.sample(name, TypeRef::of(&attr["type"]));
                let _ = write!(out, " {name}=\"{value}\"");
            }
            at = d["base"].as_str().and_then(|b| self.ty(b));
        }
    }

    /// A valid value of a simple type for an element called `name`.
    fn sample(&self, name: &str, ty: TypeRef<'static>) -> String {
        let valid = |v: &str| self.valid_simple(ty, v);
        if let Some((_, v)) = BY_NAME.iter().find(|(n, _)| *n == name) {
            if valid(v) {
                return (*v).to_owned();
            }
        }
        let mut candidates: Vec<String> = Vec::new();
        self.candidates(ty, &mut candidates, 0);
        candidates
            .into_iter()
            .find(|v| valid(v))
            .unwrap_or_else(|| panic!("no valid sample value for {name} of {}", ty.label()))
    }

    /// Values worth trying for a simple type: its enumeration's first
    /// value, bounds, and values of the built-in type it ends in.
    fn candidates(&self, ty: TypeRef<'static>, out: &mut Vec<String>, depth: usize) {
        if depth > 32 {
            return;
        }
        let desc = match ty {
            TypeRef::Named(n) => match self.ty(n) {
                Some(d) => d,
                None => {
                    out.extend(built_in_samples(n).iter().map(|s| (*s).to_owned()));
                    return;
                }
            },
            TypeRef::Inline(d) | TypeRef::InlineSimple(d) => d,
        };
        if let Some(values) = desc["enum"].as_array() {
            out.extend(
                values
                    .iter()
                    .filter_map(Value::as_str)
                    .map(|v| v.trim().to_owned()),
            );
        }
        for bound in ["minInclusive", "maxInclusive"] {
            if let Some(b) = desc[bound].as_str() {
                out.push(b.to_owned());
            }
        }
        if let Some(len) = desc["minLength"]
            .as_str()
            .and_then(|l| l.parse::<usize>().ok())
        {
            out.push("x".repeat(len.max(1)));
        }
        for member in desc["union"].as_array().into_iter().flatten() {
            self.candidates(TypeRef::of(member), out, depth + 1);
        }
        if let Some(base) = desc["base"].as_str() {
            self.candidates(TypeRef::Named(base), out, depth + 1);
        }
    }

    /// The first (by name) concrete type deriving from `base`.
    fn first_concrete(&self, base: &str) -> &'static str {
        self.type_names()
            .find(|n| {
                self.ty(n).is_some_and(|t| t["abstract"] != true) && self.derives_from(n, base)
            })
            .unwrap_or_else(|| panic!("no concrete type derives from {base}"))
    }
}

/// Values of the built-in types, the most plausible first.
fn built_in_samples(built_in: &str) -> &'static [&'static str] {
    match built_in {
        "boolean" => &["true"],
        "int" | "long" | "integer" | "short" | "byte" | "nonNegativeInteger"
        | "positiveInteger" | "unsignedInt" | "unsignedLong" | "unsignedShort" | "unsignedByte" => {
            &["1", "0"]
        }
        "anyURI" => &["http://example.net/x"],
        "dateTime" => &["2020-01-01T00:00:00Z"],
        "date" => &["2020-01-01"],
        "base64Binary" => &["AA=="],
        _ => &["x"],
    }
}
