//! Test doubles and tools for bwcsta: the XSP simulator ([`sim`]), a CSTA
//! client ([`client`]) with call-control requests from text commands
//! ([`commands`]), helpers that run the real `bwcsta` binary against
//! them ([`support`]) or through its init script ([`service`]), and the
//! benchmark suite and the soak built on them ([`bench`], [`soak`]).

pub mod bench;
pub mod client;
pub mod clock;
pub mod commands;
pub mod service;
pub mod sim;
pub mod soak;
pub mod support;
