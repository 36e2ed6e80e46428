//! Test doubles and tools for bwcsta: the XSP simulator ([`sim`]), a CSTA
//! client ([`client`]) with call-control requests from text commands
//! ([`commands`]) and helpers that run the real `bwcsta` binary against
//! them ([`support`]) or through its init script ([`service`]).

pub mod client;
pub mod commands;
pub mod service;
pub mod sim;
pub mod support;
