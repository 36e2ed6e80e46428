//! Xsi-Events request paths and XML bodies.
//!
//! Paths are relative to a server's base URL (the caller adds any context
//! prefix). Only channel creation uses the `/com.broadsoft.async` streaming
//! prefix; every other request goes, without it, to the XSP that holds the
//! channel.
//!
//! Invariants:
//! - Every identifier put into a path is encoded as one path segment
//!   ([`encode_segment`]): a `/`, `?`, `#`, `;` or `%` in a user id or a
//!   server-assigned id can never change which resource is addressed.
//! - Every body is a complete document written with the one XML writer
//!   ([`crate::xml::write`]): the UTF-8 XML declaration, then the root in
//!   the BroadSoft namespace, children in schema order (the XSP validates
//!   order), every value escaped.

use std::fmt::Write as _;

use crate::xml::{self, XmlWriter};

/// Namespace of every Xsi body.
pub const XSI_NAMESPACE: &str = "http://schema.broadsoft.com/xsi";

/// Channel creation (POST); the response is the endless event stream.
pub const CHANNEL_PATH: &str = "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel";

/// Event acknowledgements (POST).
pub const EVENT_RESPONSE_PATH: &str = "/com.broadsoft.xsi-events/v2.0/channel/eventresponse";

const EVENTS_BASE: &str = "/com.broadsoft.xsi-events/v2.0";

/// Heartbeat for a channel (PUT, no body).
pub fn heartbeat_path(channel_id: &str) -> String {
    format!("{}/heartbeat", channel_path(channel_id))
}

/// A channel: renew (PUT) and delete (DELETE).
pub fn channel_path(channel_id: &str) -> String {
    format!("{EVENTS_BASE}/channel/{}", encode_segment(channel_id))
}

/// Subscription creation for a user (POST). The user id keeps its `@`.
pub fn user_subscription_path(user_id: &str) -> String {
    format!("{EVENTS_BASE}/user/{}", encode_segment(user_id))
}

/// An existing subscription: refresh (PUT) and delete (DELETE).
pub fn subscription_path(subscription_id: &str) -> String {
    format!(
        "{EVENTS_BASE}/subscription/{}",
        encode_segment(subscription_id)
    )
}

/// The largest `expires` the schema allows (an `int`); BroadWorks reads it
/// as "never expires". Larger values are sent as this.
const MAX_EXPIRES: u32 = i32::MAX as u32;

/// `expires` as sent.
fn expires_text(expires: u32) -> String {
    expires.min(MAX_EXPIRES).to_string()
}

/// `<Channel>` for channel creation. Priority 1 and weight 100 on every
/// channel: all channels of the set are equal, so BroadWorks balances
/// events across them.
pub fn channel_add_body(channel_set_id: &str, expires: u32, application_id: &str) -> String {
    document(
        "Channel",
        &[
            ("channelSetId", channel_set_id),
            ("priority", "1"),
            ("weight", "100"),
            ("expires", &expires_text(expires)),
            ("applicationId", application_id),
        ],
    )
}

/// `<Channel>` for a channel renewal: `expires` is the only field that can
/// change.
pub fn channel_update_body(expires: u32) -> String {
    document("Channel", &[("expires", &expires_text(expires))])
}

/// `<EventResponse>` acknowledging one event (the channel threads append
/// theirs to a reused buffer with [`push_event_response`]).
#[cfg(test)]
pub fn event_response_body(event_id: &str, status: u16, reason: &str) -> String {
    let mut out = String::with_capacity(200);
    push_event_response(&mut out, event_id, status, reason);
    out
}

/// [`event_response_body`] appended to `out`: there is one per event, so
/// it reuses the buffer and writes the status without formatting
/// machinery.
pub fn push_event_response(out: &mut String, event_id: &str, status: u16, reason: &str) {
    let mut w = XmlWriter::with_buffer(std::mem::take(out));
    w.root("EventResponse", XSI_NAMESPACE);
    w.leaf("eventID", event_id);
    w.leaf_number("statusCode", status.into());
    w.leaf("reason", reason);
    *out = w.finish();
}

/// `<Subscription>` for subscription creation, in schema order: event,
/// expires, channelSetId, applicationId.
pub fn subscription_body(
    event_package: &str,
    expires: u32,
    channel_set_id: &str,
    application_id: &str,
) -> String {
    document(
        "Subscription",
        &[
            ("event", event_package),
            ("expires", &expires_text(expires)),
            ("channelSetId", channel_set_id),
            ("applicationId", application_id),
        ],
    )
}

/// `<Subscription>` for a subscription refresh.
pub fn subscription_update_body(expires: u32) -> String {
    document("Subscription", &[("expires", &expires_text(expires))])
}

/// Percent-encodes `segment` for use as exactly one path segment.
///
/// Kept as they are: RFC 3986 unreserved characters and `@` (user ids are
/// `user@domain`). Everything else, `+` and the other sub-delimiters
/// included, is encoded byte by byte: servlet containers treat `;` as a
/// parameter separator and some decode `+` as a space, and an encoded octet
/// always decodes to itself. `.` and `..` alone are encoded too so they are
/// not taken as dot-segments.
pub fn encode_segment(segment: &str) -> String {
    if segment == "." || segment == ".." {
        return segment.replace('.', "%2E");
    }
    percent_encode(segment, b"@")
}

/// Percent-encodes every byte of `text` but the RFC 3986 unreserved
/// characters and those in `keep`.
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'.' | b'_' | b'~')
            || keep.contains(&byte)
        {
            out.push(char::from(byte));
        } else {
            // Writing into a String cannot fail.
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// `<root xmlns=…><name>value</name>…</root>` with the declaration, in
/// the BroadSoft namespace (see [`xml::document`]).
pub fn document(root: &str, children: &[(&str, &str)]) -> String {
    xml::document(root, XSI_NAMESPACE, children)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::read::root_element;
    use crate::xml::DECLARATION;

    /// Parses `body` back and returns the root's local name, namespace and
    /// `(child name, text)` pairs in document order.
    fn read_back(body: &str) -> (String, String, Vec<(String, String)>) {
        assert!(body.starts_with(DECLARATION), "{body}");
        let package = sxd_document::parser::parse(body).unwrap_or_else(|e| panic!("{e}: {body}"));
        let root = root_element(package.as_document()).unwrap_or_else(|| panic!("no root: {body}"));
        let children = root
            .children()
            .into_iter()
            .filter_map(|c| c.element())
            .map(|child| {
                assert_eq!(child.name().namespace_uri(), Some(XSI_NAMESPACE));
                let text: String = child
                    .children()
                    .into_iter()
                    .filter_map(|c| c.text().map(|t| t.text().to_owned()))
                    .collect();
                (child.name().local_part().to_owned(), text)
            })
            .collect();
        (
            root.name().local_part().to_owned(),
            root.name().namespace_uri().unwrap_or_default().to_owned(),
            children,
        )
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    const ODD: &str = "a&b<c>d\"e'f ü 😀";

    #[test]
    fn bodies_parse_back_to_their_values() {
        // (body, root name, children in order)
        type Case = (String, &'static str, Vec<(String, String)>);
        let cases: Vec<Case> = vec![
            (
                channel_add_body("bwcsta-set", 3600, "GenesysConnector"),
                "Channel",
                pairs(&[
                    ("channelSetId", "bwcsta-set"),
                    ("priority", "1"),
                    ("weight", "100"),
                    ("expires", "3600"),
                    ("applicationId", "GenesysConnector"),
                ]),
            ),
            (
                channel_add_body(ODD, 0, ODD),
                "Channel",
                pairs(&[
                    ("channelSetId", ODD),
                    ("priority", "1"),
                    ("weight", "100"),
                    ("expires", "0"),
                    ("applicationId", ODD),
                ]),
            ),
            (
                channel_update_body(u32::MAX),
                "Channel",
                pairs(&[("expires", "2147483647")]),
            ),
            (
                event_response_body("2a4dc940-5165-4a39-9f0d-ad9481259337", 200, "OK"),
                "EventResponse",
                pairs(&[
                    ("eventID", "2a4dc940-5165-4a39-9f0d-ad9481259337"),
                    ("statusCode", "200"),
                    ("reason", "OK"),
                ]),
            ),
            (
                event_response_body(ODD, 481, "Unknown subscription <x>"),
                "EventResponse",
                pairs(&[
                    ("eventID", ODD),
                    ("statusCode", "481"),
                    ("reason", "Unknown subscription <x>"),
                ]),
            ),
            (
                subscription_body("Advanced Call", 3600, "bwcsta-set", "GenesysConnector"),
                "Subscription",
                pairs(&[
                    ("event", "Advanced Call"),
                    ("expires", "3600"),
                    ("channelSetId", "bwcsta-set"),
                    ("applicationId", "GenesysConnector"),
                ]),
            ),
            (
                subscription_update_body(7200),
                "Subscription",
                pairs(&[("expires", "7200")]),
            ),
        ];
        for (body, root, children) in cases {
            let (name, namespace, read) = read_back(&body);
            assert_eq!(name, root, "{body}");
            assert_eq!(namespace, XSI_NAMESPACE, "{body}");
            assert_eq!(read, children, "{body}");
        }
    }

    /// Every Xsi-Events body bwcsta sends is valid against the Xsi schema:
    /// the channel and its renewal, the subscription of every package
    /// bwcsta subscribes and its refresh, and the acknowledgement of each
    /// status it uses. (`Channel` requires nothing; `Subscription`'s
    /// subscriber, package and channel set choices may all be left out, as
    /// a refresh does; the order is the schema's.)
    #[test]
    fn every_body_follows_the_xsi_schema() {
        use crate::xsi::packages::{CALL_CENTER_AGENT, CALL_CENTER_QUEUE, ROUTE_POINT_QUEUE};
        use bwcsta_integration::schema::xsi;
        let mut bodies = vec![
            channel_add_body("bwcsta", 3600, "GenesysConnector"),
            channel_add_body(ODD, u32::MAX, ODD),
            channel_update_body(3600),
            subscription_update_body(u32::MAX),
        ];
        for package in [
            "Advanced Call",
            "Basic Call",
            "Standard Call",
            CALL_CENTER_QUEUE,
            ROUTE_POINT_QUEUE,
            CALL_CENTER_AGENT,
            "Do Not Disturb",
            "Call Forwarding Always",
        ] {
            bodies.push(subscription_body(package, 3600, "bwcsta", "app"));
        }
        for (status, reason) in [(200, "OK"), (481, "Unknown subscription")] {
            bodies.push(event_response_body(ODD, status, reason));
        }
        for body in &bodies {
            assert_eq!(xsi::check(body), Ok(()), "{body}");
        }
        // The figure the conformance note quotes.
        assert_eq!(bodies.len(), 14);
    }

    #[test]
    fn event_responses_are_the_generic_document() {
        for (id, status, reason) in [
            ("2a4dc940-5165-4a39-9f0d-ad9481259337", 200, "OK"),
            (ODD, 481, "Unknown subscription"),
            ("x\u{fffe}y\u{1}z", 500, "é <é>"),
            ("id", 1000, "odd status"),
            ("id", 7, "odd status"),
        ] {
            let status_text = status.to_string();
            let generic = document(
                "EventResponse",
                &[
                    ("eventID", id),
                    ("statusCode", &status_text),
                    ("reason", reason),
                ],
            );
            assert_eq!(event_response_body(id, status, reason), generic);
            let mut appended = String::from("before");
            push_event_response(&mut appended, id, status, reason);
            assert_eq!(appended, format!("before{generic}"));
        }
    }

    /// The flat document, byte for byte as it was before it was built on
    /// the shared writer.
    #[test]
    fn documents_are_unchanged() {
        // (root, children, the document after the declaration)
        type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
        let cases: &[Case] = &[
            (
                "RoutePointPlayBusy",
                &[],
                "<RoutePointPlayBusy xmlns=\"http://schema.broadsoft.com/xsi\"></RoutePointPlayBusy>",
            ),
            (
                "DoNotDisturb",
                &[("active", "true")],
                "<DoNotDisturb xmlns=\"http://schema.broadsoft.com/xsi\"><active>true</active></DoNotDisturb>",
            ),
            (
                "CallForwardingAlways",
                &[("active", "false"), ("forwardToPhoneNumber", "<&>\"'\r\t\n\u{0}\u{fffe}\u{e9}")],
                "<CallForwardingAlways xmlns=\"http://schema.broadsoft.com/xsi\"><active>false</active>\
                 <forwardToPhoneNumber>&lt;&amp;&gt;&quot;&apos;&#13;\t\n\u{e9}</forwardToPhoneNumber>\
                 </CallForwardingAlways>",
            ),
        ];
        for (root, children, want) in cases {
            assert_eq!(
                document(root, children),
                format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{want}"),
                "{root}"
            );
        }
    }

    #[test]
    fn channel_add_body_is_compact() {
        assert_eq!(
            channel_add_body("s", 3600, "app"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Channel xmlns=\"http://schema.broadsoft.com/xsi\">\
             <channelSetId>s</channelSetId><priority>1</priority><weight>100</weight>\
             <expires>3600</expires><applicationId>app</applicationId></Channel>"
        );
    }

    #[test]
    fn paths() {
        let cases: Vec<(String, &str)> = vec![
            (CHANNEL_PATH.to_owned(), "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel"),
            (EVENT_RESPONSE_PATH.to_owned(), "/com.broadsoft.xsi-events/v2.0/channel/eventresponse"),
            (
                heartbeat_path("64eddc79-b707-4827-aacd-487fb5cb8427"),
                "/com.broadsoft.xsi-events/v2.0/channel/64eddc79-b707-4827-aacd-487fb5cb8427/heartbeat",
            ),
            (
                channel_path("64eddc79-b707-4827-aacd-487fb5cb8427"),
                "/com.broadsoft.xsi-events/v2.0/channel/64eddc79-b707-4827-aacd-487fb5cb8427",
            ),
            (channel_path("a/b"), "/com.broadsoft.xsi-events/v2.0/channel/a%2Fb"),
            (
                user_subscription_path("2001@example.net"),
                "/com.broadsoft.xsi-events/v2.0/user/2001@example.net",
            ),
            (
                user_subscription_path("adminCTI@broadsoft.com@broadsoft.com"),
                "/com.broadsoft.xsi-events/v2.0/user/adminCTI@broadsoft.com@broadsoft.com",
            ),
            (
                user_subscription_path("+49 30/1?x#y;z%"),
                "/com.broadsoft.xsi-events/v2.0/user/%2B49%2030%2F1%3Fx%23y%3Bz%25",
            ),
            (user_subscription_path("ü"), "/com.broadsoft.xsi-events/v2.0/user/%C3%BC"),
            (user_subscription_path(".."), "/com.broadsoft.xsi-events/v2.0/user/%2E%2E"),
            (user_subscription_path("a..b"), "/com.broadsoft.xsi-events/v2.0/user/a..b"),
            (
                subscription_path("98ed3939-c113-419c-8012-092556b85c66"),
                "/com.broadsoft.xsi-events/v2.0/subscription/98ed3939-c113-419c-8012-092556b85c66",
            ),
            (subscription_path("a b"), "/com.broadsoft.xsi-events/v2.0/subscription/a%20b"),
        ];
        for (path, expected) in cases {
            assert_eq!(path, expected);
        }
    }

    #[test]
    fn encode_segment_keeps_only_safe_bytes() {
        let cases = [
            ("", ""),
            ("AZaz09-._~@", "AZaz09-._~@"),
            (".", "%2E"),
            ("..", "%2E%2E"),
            ("...", "..."),
            ("!$&'()*+,;=:", "%21%24%26%27%28%29%2A%2B%2C%3B%3D%3A"),
            ("\r\n", "%0D%0A"),
        ];
        for (segment, encoded) in cases {
            assert_eq!(encode_segment(segment), encoded, "{segment:?}");
        }
    }
}
