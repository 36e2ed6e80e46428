//! CSTA side: what a produced event must contain, and the check of one
//! produced document against it.

use super::*;

/// A connection: callID, deviceID.
type ConnW = (&'static str, Option<&'static str>);

pub(super) const ME: Option<&str> = Some(LOCAL);

#[derive(Clone, Debug)]
pub(super) struct Want {
    name: &'static str,
    /// Element name of the subject connection and its value.
    conn_el: &'static str,
    conn: ConnW,
    /// Device fields (including `lastRedirectionDevice`) in order; `None`
    /// for notKnown / restricted / notRequired.
    devices: Vec<(&'static str, Option<&'static str>)>,
    local: Option<&'static str>,
    cause: Option<&'static str>,
    secondary: Option<ConnW>,
    /// `transferredConnections` / `conferenceConnections`: new, old.
    list: Vec<(ConnW, Option<ConnW>)>,
    /// Raw fragments the document must contain.
    xml_has: Vec<&'static str>,
}

pub(super) fn want(
    name: &'static str,
    conn_el: &'static str,
    call_id: &'static str,
    dev: Option<&'static str>,
) -> Want {
    Want {
        name,
        conn_el,
        conn: (call_id, dev),
        devices: Vec::new(),
        local: None,
        cause: None,
        secondary: None,
        list: Vec::new(),
        xml_has: Vec::new(),
    }
}

impl Want {
    pub(super) fn dev(mut self, name: &'static str, value: Option<&'static str>) -> Self {
        self.devices.push((name, value));
        self
    }

    pub(super) fn state(mut self, local: &'static str, cause: &'static str) -> Self {
        self.local = Some(local);
        self.cause = Some(cause);
        self
    }

    /// Only a `cause` (events without `localConnectionInfo`).
    pub(super) fn cause(mut self, cause: &'static str) -> Self {
        self.cause = Some(cause);
        self
    }

    pub(super) fn secondary(mut self, conn: ConnW) -> Self {
        self.secondary = Some(conn);
        self
    }

    pub(super) fn item(mut self, new: ConnW, old: Option<ConnW>) -> Self {
        self.list.push((new, old));
        self
    }

    pub(super) fn has(mut self, fragment: &'static str) -> Self {
        self.xml_has.push(fragment);
        self
    }
}

fn owned(c: ConnW) -> (String, Option<String>) {
    (c.0.to_owned(), c.1.map(str::to_owned))
}

/// Checks one produced document against `want` and the schema.
pub(super) fn check(case: &str, xml: &str, want: &Want) {
    if let Err(e) = schema_check(xml) {
        panic!("{case}: schema: {e}\n{xml}");
    }
    let incoming = parse(xml.as_bytes()).unwrap_or_else(|e| panic!("{case}: {e:?}\n{xml}"));
    assert_eq!(incoming.edition, Some(Edition::Ed3), "{case}: namespace");
    let Message::Event(info) = incoming.message else {
        panic!("{case}: not an event: {xml}");
    };
    assert_eq!(info.name, want.name, "{case}: event\n{xml}");
    assert_eq!(
        info.cross_ref.as_deref(),
        Some(CROSS_REF),
        "{case}: monitorCrossRefID"
    );
    let conn = ConnectionId {
        call_id: Some(want.conn.0.to_owned()),
        device_id: want.conn.1.map(str::to_owned),
    };
    // An empty connection element: an event without one (agent events).
    let conn = (!want.conn_el.is_empty()).then(|| (want.conn_el.to_owned(), conn));
    assert_eq!(info.connection, conn, "{case}: subject connection\n{xml}");
    let devices: Vec<(String, Option<String>)> = want
        .devices
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.map(str::to_owned)))
        .collect();
    assert_eq!(info.devices, devices, "{case}: devices\n{xml}");
    assert_eq!(
        info.local_connection_info.as_deref(),
        want.local,
        "{case}: localConnectionInfo\n{xml}"
    );
    assert_eq!(info.cause.as_deref(), want.cause, "{case}: cause\n{xml}");
    let (secondary, list) = connections_of(xml);
    assert_eq!(
        secondary,
        want.secondary.map(owned),
        "{case}: secondaryOldCall\n{xml}"
    );
    let want_list: Vec<_> = want
        .list
        .iter()
        .map(|(n, o)| (owned(*n), o.map(owned)))
        .collect();
    assert_eq!(list, want_list, "{case}: connection list\n{xml}");
    for fragment in &want.xml_has {
        assert!(xml.contains(fragment), "{case}: lacks {fragment}\n{xml}");
    }
}

type ConnO = (String, Option<String>);

/// `secondaryOldCall` and the connection list (new, old) of a document.
fn connections_of(xml: &str) -> (Option<ConnO>, Vec<(ConnO, Option<ConnO>)>) {
    let package = sxd_document::parser::parse(xml).expect("well-formed");
    let doc = package.as_document();
    let root = root_element(&doc);
    let mut secondary = None;
    let mut list = Vec::new();
    for child in elements(root) {
        match local(child) {
            "secondaryOldCall" => secondary = Some(conn_of(child)),
            "transferredConnections" | "conferenceConnections" => {
                for item in elements(child) {
                    let mut new = None;
                    let mut old = None;
                    for part in elements(item) {
                        match local(part) {
                            "newConnection" => new = Some(conn_of(part)),
                            "oldConnection" => old = Some(conn_of(part)),
                            _ => {}
                        }
                    }
                    list.push((new.expect("newConnection"), old));
                }
            }
            _ => {}
        }
    }
    (secondary, list)
}

fn conn_of(el: Element<'_>) -> ConnO {
    let mut call = String::new();
    let mut dev = None;
    for part in elements(el) {
        match local(part) {
            "callID" => call = text(part),
            "deviceID" => dev = Some(text(part)),
            _ => {}
        }
    }
    (call, dev)
}

pub(super) fn root_element<'d>(doc: &sxd_document::dom::Document<'d>) -> Element<'d> {
    doc.root()
        .children()
        .into_iter()
        .find_map(|c| c.element())
        .expect("root element")
}
