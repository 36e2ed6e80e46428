//! Xsi-Events protocol pieces, all sans-IO: they take bytes or values and
//! return values, own no sockets and spawn no threads.
//!
//! - [`splitter`] cuts the de-chunked event-channel stream into documents;
//! - [`parse`] turns one document into typed values;
//! - [`body`] builds request paths and XML bodies.
pub mod body;
pub mod control;
pub mod known;
pub mod link;
pub mod parse;
pub mod settings;
pub mod splitter;
pub mod subscriber;
