//! Test doubles and tools for bwcsta: the XSP simulator ([`sim`]), a CSTA
//! client ([`client`]) with call-control requests from text commands
//! ([`commands`]), helpers that run the real `bwcsta` binary against
//! them ([`support`]) or through its init script ([`service`]), the
//! certificates of the CSTA TLS tests ([`certs`]), and the benchmark suite
//! built on them ([`bench`]).

pub mod bench;
pub mod certs;
pub mod client;
pub mod clock;
pub mod commands;
pub mod service;
pub mod sim;
pub mod support;
