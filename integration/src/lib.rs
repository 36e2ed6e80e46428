//! Test doubles and tools for bwcsta: the XSP simulator ([`sim`]), a CSTA
//! client ([`client`]) with call-control requests from text commands
//! ([`commands`]), helpers that run the real `bwcsta` binary against
//! them ([`support`]) or through its init script ([`service`]), the
//! certificates of the CSTA TLS tests ([`certs`]), the benchmark suite and
//! the soak built on them ([`bench`], [`soak`]), and the one schema checker
//! of CSTA and Xsi documents ([`schema`]).

pub mod bench;
pub mod certs;
pub mod client;
pub mod clock;
pub mod commands;
pub mod rng;
pub mod schema;
pub mod service;
pub mod sim;
pub mod soak;
pub mod support;
pub mod tool;
