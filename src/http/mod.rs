//! HTTP/1.1 client for the Xsi southbound side: [`wire`] is the sans-IO
//! protocol (request bytes, response heads, chunked decoding), [`conn`] the
//! blocking connection that drives it over TCP or TLS.
pub mod conn;
pub mod wire;
