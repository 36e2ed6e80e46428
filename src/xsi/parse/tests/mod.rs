//! Tests of Xsi parsing; the shared fixtures and helpers live here, the
//! tests by theme in the submodules.

use super::*;

const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>";

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/integration/data/xsi/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"))
}

/// Puts `prefix:` on every element name of `body` (written without
/// prefixes), so one fixture serves every prefix choice. Markup that is
/// not a tag (`<!`, `<?`) and CDATA content are left alone.
fn prefixed(body: &str, prefix: &str) -> String {
    if prefix.is_empty() {
        return body.to_owned();
    }
    let mut out = String::with_capacity(body.len() * 2);
    let mut in_cdata = false;
    let mut rest = body;
    while let Some(c) = rest.chars().next() {
        if rest.starts_with("<![CDATA[") {
            in_cdata = true;
        } else if in_cdata && rest.starts_with("]]>") {
            in_cdata = false;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
        if c == '<' && !in_cdata {
            if let Some(after) = rest.strip_prefix('/') {
                out.push('/');
                rest = after;
            }
            if rest.starts_with(|n: char| n.is_ascii_alphabetic()) {
                out.push_str(prefix);
                out.push(':');
            }
        }
    }
    out
}

/// A `SubscriptionEvent` around `data` of `data_type`, with element
/// prefix `p` (BroadSoft namespace) and attribute prefix `t`
/// (XMLSchema-instance). An empty `p` uses a default namespace.
fn event_with(p: &str, t: &str, envelope: &str, data_type: &str, data: &str) -> String {
    let ns = if p.is_empty() {
        "xmlns=\"http://schema.broadsoft.com/xsi\"".to_owned()
    } else {
        format!("xmlns:{p}=\"http://schema.broadsoft.com/xsi\"")
    };
    let type_prefix = if p.is_empty() {
        String::new()
    } else {
        format!("{p}:")
    };
    let event = if p.is_empty() {
        "Event".to_owned()
    } else {
        format!("{p}:Event")
    };
    format!(
        "{DECL}<{event} {ns} xmlns:{t}=\"http://www.w3.org/2001/XMLSchema-instance\" \
         {t}:type=\"{type_prefix}SubscriptionEvent\">{}<{p_data} {t}:type=\"{type_prefix}{data_type}\">{}</{p_data}></{event}>",
        prefixed(envelope, p),
        prefixed(data, p),
        p_data = if p.is_empty() { "eventData".to_owned() } else { format!("{p}:eventData") },
    )
}

const ENVELOPE: &str = "<eventID>ev-1</eventID><sequenceNumber>7</sequenceNumber>\
    <userId>owner@example.net</userId><externalApplicationId>bwcsta</externalApplicationId>\
    <subscriptionId>sub-1</subscriptionId><channelId>ch-1</channelId><targetId>2001@example.net</targetId>";

fn event(data_type: &str, data: &str) -> String {
    event_with("xsi", "xsi1", ENVELOPE, data_type, data)
}

const CALL: &str = "<call><callId>callhalf-1:0</callId><extTrackingId>10:1</extTrackingId>\
    <personality>Terminator</personality><state>Alerting</state>\
    <remoteParty><name>Alice</name><address countryCode=\"1\">tel:+15007003333</address>\
    <callType>Network</callType></remoteParty><allowAnswer/><startTime>1271273072015</startTime></call>";

fn base_call() -> Call {
    Call {
        call_id: "callhalf-1:0".into(),
        ext_tracking_id: "10:1".into(),
        network_call_id: None,
        personality: Personality::Terminator,
        state: CallState::Alerting,
        release_cause: None,
        releasing_party: None,
        remote_party: RemoteParty {
            name: Some("Alice".into()),
            address: Some("tel:+15007003333".into()),
            call_type: Some("Network".into()),
            ..RemoteParty::default()
        },
        redirection: None,
        redirect: None,
        recall_type: None,
        allow_answer: true,
        allow_retrieve: false,
        start_time: Some(1271273072015),
        answer_time: None,
        held_time: None,
        release_time: None,
    }
}

fn data_of(doc: Result<XsiDoc>) -> EventData {
    match doc {
        Ok(XsiDoc::Event(event)) => event.data,
        other => panic!("not an event: {other:?}"),
    }
}

mod complete;
mod contact;
mod documents;
mod events;
mod hostile;
