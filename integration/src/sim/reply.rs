//! The replies every handler of the simulator builds: a response with a `Content-Length`
//! body ([`Reply`]), the Xsi `ErrorInfo` reply ([`error_reply`]) and the content type of Xsi
//! documents ([`XML`]). A leaf: the listener (`server`), the Xsi-Events (`xsp`) and
//! Xsi-Actions (`actions`) endpoints and the control API all use it, none through another.

use super::xml::{escape, DECL};

/// The content type of every Xsi document the simulator sends.
pub(crate) const XML: Option<&str> = Some("application/xml;charset=UTF-8");

/// A response with a `Content-Length` body.
pub(crate) struct Reply {
    pub status: u16,
    pub content_type: Option<&'static str>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// Runs after the response bytes have been written.
    pub after: Option<Box<dyn FnOnce()>>,
}

impl Reply {
    pub(crate) fn new(
        status: u16,
        content_type: Option<&'static str>,
        body: impl Into<Vec<u8>>,
    ) -> Reply {
        Reply {
            status,
            content_type,
            headers: Vec::new(),
            body: body.into(),
            after: None,
        }
    }

    pub(crate) fn empty(status: u16) -> Reply {
        Reply::new(status, None, Vec::new())
    }

    pub(crate) fn then(mut self, after: impl FnOnce() + 'static) -> Reply {
        self.after = Some(Box::new(after));
        self
    }
}

/// An `ErrorInfo` reply.
pub(crate) fn error_reply(status: u16, summary: &str, code: u32) -> Reply {
    let summary = escape(summary);
    let body = format!(
        "{DECL}\n<ErrorInfo xmlns=\"http://schema.broadsoft.com/xsi\"><summary>{summary}</summary><summaryEnglish>{summary}</summaryEnglish><errorCode>{code}</errorCode></ErrorInfo>"
    );
    Reply::new(status, XML, body)
}
