//! HTTP/1.1 client for the Xsi southbound side: [`wire`] is the sans-IO
//! protocol (request bytes, response heads, chunked decoding), [`conn`] the
//! blocking connection that drives it over TCP or TLS ([`stream`]),
//! [`target`] the address of an XSP and [`tls`] the one trust rule every
//! HTTPS request follows.
pub mod conn;
pub mod stream;
pub mod target;
pub mod tls;
pub mod wire;
