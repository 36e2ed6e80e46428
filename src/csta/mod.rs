//! CSTA XML (ECMA-323 / ECMA-354) toward the CTI clients.
//!
//! The protocol modules are sans-IO: nothing in them touches a socket, a
//! thread or a clock. A session pushes received bytes into
//! [`frame::FrameDecoder`], hands each frame's XML to [`parse::parse`], and
//! writes what [`build`] returns through [`frame::encode`]. Received
//! documents are matched leniently (by local name, any or no namespace);
//! everything sent is produced in schema child order in the namespace of the
//! peer's [`edition::Edition`].
//!
//! - [`frame`]: the 8-byte TCP header, invoke ids, partial-frame buffering.
//! - [`edition`]: ECMA-323 edition namespaces and the ECMA-354 namespace.
//! - [`parse`]: one received document into a typed [`parse::Message`].
//! - [`build`]: the documents the server sends (written with
//!   [`crate::xml::XmlWriter`]).
//!
//! The thread modules [`server`] (the listener) and [`session`] (one
//! client's reader and writer) own the sockets and use the ones above;
//! [`keepalive`] sets TCP keep-alive on them, [`clients`] says which
//! `csta.clients` entry a connection is. Tests check what is sent
//! with the one schema checker, `schema_check`.

pub mod build;
pub mod clients;
pub mod edition;
pub mod frame;
pub mod keepalive;
pub mod parse;
#[cfg(test)]
pub(crate) mod schema_check;
pub mod server;
pub mod session;
pub mod tls;
