//! Raw-socket clients for the simulator's own tests: HTTP requests written by hand, and an
//! event-channel reader that de-chunks the stream and splits it into documents. Deliberately
//! independent of the simulator's parser.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::http::base64_encode;
use super::xml::element_text;

pub(crate) const USER: &str = "cti@example.net";
pub(crate) const PASSWORD: &str = "secret";
pub(crate) const ASYNC_CHANNEL: &str = "/com.broadsoft.async/com.broadsoft.xsi-events/v2.0/channel";
pub(crate) const EVENTS: &str = "/com.broadsoft.xsi-events/v2.0";

pub(crate) fn host_of(url: &str) -> &str {
    url.trim_start_matches("http://")
}

/// A request with Basic auth for the default credentials.
pub(crate) fn request_bytes(method: &str, path: &str, body: &str) -> Vec<u8> {
    request_with_auth(method, path, body, Some((USER, PASSWORD)))
}

pub(crate) fn request_with_auth(
    method: &str,
    path: &str,
    body: &str,
    auth: Option<(&str, &str)>,
) -> Vec<u8> {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: xsp\r\n");
    if let Some((u, p)) = auth {
        req.push_str(&format!(
            "Authorization: Basic {}\r\n",
            base64_encode(format!("{u}:{p}").as_bytes())
        ));
    }
    req.push_str(&format!(
        "Content-Type: application/xml; charset=UTF-8\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ));
    req.into_bytes()
}

pub(crate) fn ack_body(event_id: &str, status: u16) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<EventResponse xmlns=\"http://schema.broadsoft.com/xsi\"><eventID>{event_id}</eventID><statusCode>{status}</statusCode><reason>OK</reason></EventResponse>")
}

pub(crate) fn channel_body(set: &str, app: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Channel xmlns=\"http://schema.broadsoft.com/xsi\"><channelSetId>{set}</channelSetId><priority>1</priority><weight>100</weight><expires>3600</expires><applicationId>{app}</applicationId></Channel>")
}

pub(crate) fn subscription_body(set: &str, app: &str) -> String {
    format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Subscription xmlns=\"http://schema.broadsoft.com/xsi\">\n  <event>Advanced Call</event>\n  <expires>3600</expires>\n  <channelSetId>{set}</channelSetId>\n  <applicationId>{app}</applicationId>\n</Subscription>")
}

/// An HTTP response as read by [`Client`].
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub head: String,
    pub body: String,
}

/// A keep-alive request connection.
pub(crate) struct Client {
    pub stream: TcpStream,
    buf: Vec<u8>,
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

impl Client {
    pub(crate) fn connect(url: &str) -> Client {
        let stream = TcpStream::connect(host_of(url)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout");
        Client {
            stream,
            buf: Vec::new(),
        }
    }

    pub(crate) fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).expect("write request");
    }

    /// Reads one response (Content-Length bodies only).
    pub(crate) fn read_response(&mut self) -> Response {
        let mut chunk = [0u8; 16384];
        loop {
            if let Some(end) = find(&self.buf, b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&self.buf[..end]).into_owned();
                let len = head
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse::<usize>().unwrap())
                    })
                    .unwrap_or(0);
                if self.buf.len() >= end + 4 + len {
                    let body =
                        String::from_utf8_lossy(&self.buf[end + 4..end + 4 + len]).into_owned();
                    self.buf.drain(..end + 4 + len);
                    let status = head[9..12].parse().unwrap();
                    return Response { status, head, body };
                }
            }
            let n = self.stream.read(&mut chunk).expect("read response");
            assert!(n > 0, "connection closed before a whole response");
            self.buf.extend_from_slice(&chunk[..n]);
        }
    }

    pub(crate) fn request(&mut self, method: &str, path: &str, body: &str) -> Response {
        self.send_raw(&request_bytes(method, path, body));
        self.read_response()
    }
}

/// What [`ChannelReader::next_doc`] saw.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Item {
    Doc(String),
    /// The terminating chunk.
    End,
    /// EOF without the terminating chunk.
    Eof,
    Timeout,
}

/// The streaming side of an event channel.
pub(crate) struct ChannelReader {
    pub stream: TcpStream,
    pub id: String,
    pub head: String,
    /// The first chunk, exactly.
    pub first_chunk: String,
    raw: Vec<u8>,
    text: String,
    /// Sizes of the chunks read so far (the first chunk included).
    pub chunk_sizes: Vec<usize>,
    ended: bool,
    eof: bool,
}

impl ChannelReader {
    /// Opens a channel on `url`; panics unless the answer is 200 and a Channel document.
    pub(crate) fn open(url: &str, set: &str, app: &str) -> ChannelReader {
        let stream = TcpStream::connect(host_of(url)).expect("connect");
        let mut reader = ChannelReader {
            stream,
            id: String::new(),
            head: String::new(),
            first_chunk: String::new(),
            raw: Vec::new(),
            text: String::new(),
            chunk_sizes: Vec::new(),
            ended: false,
            eof: false,
        };
        reader
            .stream
            .write_all(&request_bytes(
                "POST",
                ASYNC_CHANNEL,
                &channel_body(set, app),
            ))
            .expect("write");
        let deadline = Instant::now() + Duration::from_secs(5);
        let end = loop {
            if let Some(end) = find(&reader.raw, b"\r\n\r\n") {
                break end;
            }
            assert!(reader.fill(deadline).unwrap_or(0) > 0, "no response head");
        };
        reader.head = String::from_utf8_lossy(&reader.raw[..end]).into_owned();
        reader.raw.drain(..end + 4);
        assert!(reader.head.starts_with("HTTP/1.1 200"), "{}", reader.head);
        let Some(first) = reader.next_chunk(deadline) else {
            panic!("no first chunk")
        };
        reader.first_chunk = first.clone();
        reader.id = element_text(&first, "channelId")
            .expect("channelId")
            .into_owned();
        reader
    }

    fn fill(&mut self, deadline: Instant) -> std::io::Result<usize> {
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1));
        self.stream.set_read_timeout(Some(left))?;
        let mut chunk = [0u8; 65536];
        let n = self.stream.read(&mut chunk)?;
        self.raw.extend_from_slice(&chunk[..n]);
        Ok(n)
    }

    /// The next chunk's payload; `None` on timeout, EOF or the last chunk (see `ended`).
    fn next_chunk(&mut self, deadline: Instant) -> Option<String> {
        loop {
            if let Some(line_end) = find(&self.raw, b"\r\n") {
                let size = usize::from_str_radix(
                    std::str::from_utf8(&self.raw[..line_end]).unwrap().trim(),
                    16,
                )
                .unwrap();
                if size == 0 && self.raw.len() >= line_end + 4 {
                    self.raw.drain(..line_end + 4);
                    self.ended = true;
                    return None;
                }
                if size > 0 && self.raw.len() >= line_end + 2 + size + 2 {
                    let data =
                        String::from_utf8(self.raw[line_end + 2..line_end + 2 + size].to_vec())
                            .unwrap();
                    assert_eq!(&self.raw[line_end + 2 + size..line_end + 4 + size], b"\r\n");
                    self.raw.drain(..line_end + 4 + size);
                    self.chunk_sizes.push(size);
                    return Some(data);
                }
            }
            match self.fill(deadline) {
                Ok(0) => {
                    self.eof = true;
                    return None;
                }
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    return None
                }
                Err(_) => {
                    self.eof = true;
                    return None;
                }
            }
        }
    }

    /// The next whole document (documents may span or share chunks).
    pub(crate) fn next_doc(&mut self, timeout: Duration) -> Item {
        let deadline = Instant::now() + timeout;
        loop {
            // A document ends where the next declaration starts, or at a known closing tag.
            if let Some(next) = self
                .text
                .get(5..)
                .and_then(|t| t.find("<?xml"))
                .map(|i| i + 5)
            {
                let doc: String = self.text.drain(..next).collect();
                return Item::Doc(doc);
            }
            if !self.text.is_empty()
                && (self.text.ends_with("</xsi:Event>")
                    || self.text.ends_with("</Channel>")
                    || self
                        .text
                        .ends_with("<ChannelHeartBeat xmlns=\"http://schema.broadsoft.com/xsi\"/>"))
            {
                return Item::Doc(std::mem::take(&mut self.text));
            }
            if self.ended {
                // Reported once; later calls read on (normally to EOF).
                self.ended = false;
                return Item::End;
            }
            match self.next_chunk(deadline) {
                Some(data) => self.text.push_str(&data),
                None if self.ended => {}
                None if self.eof => return Item::Eof,
                None => return Item::Timeout,
            }
        }
    }

    /// The next document, which must be an event; returns it.
    pub(crate) fn expect_doc(&mut self) -> String {
        match self.next_doc(Duration::from_secs(5)) {
            Item::Doc(d) => d,
            other => panic!("expected a document, got {other:?}"),
        }
    }

    /// True when nothing arrives within `wait`.
    pub(crate) fn quiet_for(&mut self, wait: Duration) -> bool {
        matches!(self.next_doc(wait), Item::Timeout)
    }
}

/// The `xsi1:type` of an event's eventData (or of the event itself), `heartbeat` or `channel`.
pub(crate) fn doc_kind(doc: &str) -> String {
    if doc.contains("<ChannelHeartBeat") {
        return "heartbeat".into();
    }
    if doc.contains("<Channel ") {
        return "channel".into();
    }
    let marker = if doc.contains("xsi:eventData") {
        "xsi:eventData xsi1:type=\"xsi:"
    } else {
        "xsi1:type=\"xsi:"
    };
    doc.split(marker)
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .to_string()
}

pub(crate) fn field(doc: &str, name: &str) -> String {
    element_text(doc, name)
        .map(|s| s.into_owned())
        .unwrap_or_default()
}
