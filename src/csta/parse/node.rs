//! Element access: [`Node`], an element of a known message that carries
//! the message name for errors, and the small readers built on it.

use sxd_document::dom::Element;

use super::{ConnectionId, ParseError, Parsed};
use crate::xml::text::{element_text, xs_boolean};

/// An element of a known message, carrying the message name for errors.
#[derive(Clone, Copy)]
pub(super) struct Node<'d> {
    pub(super) el: Element<'d>,
    pub(super) msg: &'static str,
}

impl<'d> Node<'d> {
    pub(super) fn local(self) -> &'d str {
        self.el.name().local_part()
    }

    /// Child elements in document order.
    pub(super) fn children(self) -> impl Iterator<Item = Node<'d>> {
        let msg = self.msg;
        self.el
            .children()
            .into_iter()
            .filter_map(move |c| c.element().map(|el| Node { el, msg }))
    }

    /// The first child element called `name` (any namespace).
    pub(super) fn child(self, name: &str) -> Option<Node<'d>> {
        self.children().find(|c| c.local() == name)
    }

    pub(super) fn required(self, name: &'static str) -> Parsed<Node<'d>> {
        self.child(name).ok_or(ParseError::Missing {
            message: self.msg,
            element: name,
        })
    }

    /// The element's own text (text and CDATA children, not descendants),
    /// trimmed of XML whitespace.
    pub(super) fn text(self) -> String {
        element_text(self.el)
    }

    /// Text of a mandatory child that must not be empty.
    pub(super) fn required_text(self, name: &'static str) -> Parsed<String> {
        let text = self.required(name)?.text();
        self.non_empty(name, text)
    }

    /// Text of an optional child; an empty one counts as absent.
    pub(super) fn optional_text(self, name: &str) -> Option<String> {
        self.child(name).map(Node::text).filter(|t| !t.is_empty())
    }

    pub(super) fn non_empty(self, name: &'static str, text: String) -> Parsed<String> {
        if text.is_empty() {
            return Err(self.invalid(name, text));
        }
        Ok(text)
    }

    pub(super) fn optional_u32(self, name: &'static str) -> Parsed<Option<u32>> {
        let Some(text) = self.optional_text(name) else {
            return Ok(None);
        };
        match text.parse() {
            Ok(n) => Ok(Some(n)),
            Err(_) => Err(self.invalid(name, text)),
        }
    }

    /// An optional `xs:boolean` child; empty counts as absent.
    pub(super) fn optional_bool(self, name: &'static str) -> Parsed<Option<bool>> {
        let Some(text) = self.optional_text(name) else {
            return Ok(None);
        };
        match xs_boolean(&text) {
            Some(b) => Ok(Some(b)),
            None => Err(self.invalid(name, text)),
        }
    }

    pub(super) fn required_bool(self, name: &'static str) -> Parsed<bool> {
        let text = self.required(name)?.text();
        xs_boolean(&text).ok_or_else(|| self.invalid(name, text))
    }

    /// A mandatory `ConnectionID` child with at least one of its parts.
    pub(super) fn connection(self, name: &'static str) -> Parsed<ConnectionId> {
        let node = self.required(name)?;
        connection_id(node).ok_or_else(|| self.invalid(name, node.text()))
    }

    pub(super) fn invalid(self, element: &'static str, value: String) -> ParseError {
        ParseError::Invalid {
            message: self.msg,
            element,
            value,
        }
    }
}

/// Reads `node` as a ConnectionID; `None` unless it has a non-empty
/// `callID` or `deviceID`.
pub(super) fn connection_id(node: Node<'_>) -> Option<ConnectionId> {
    let id = ConnectionId {
        call_id: node.optional_text("callID"),
        device_id: node.optional_text("deviceID"),
    };
    (id.call_id.is_some() || id.device_id.is_some()).then_some(id)
}
