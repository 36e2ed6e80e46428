//! bwcsta — a CSTA Connector for BroadSoft/Cisco BroadWorks with hot-standby
//! redundancy.
//!
//! Layering (arrows point at what a module may use):
//! - protocol modules, sans-IO, knowing nothing of each other:
//!   [`csta::frame`], [`csta::parse`], [`csta::build`] (ECMA-323 over TCP),
//!   [`xsi::splitter`], [`xsi::parse`], [`xsi::body`] (Xsi-Events),
//!   [`xsi::actions`] (Xsi-Actions call control), [`xsi::packages`] (the
//!   event packages of each device kind), [`http::wire`] (HTTP/1.1
//!   pieces), with [`xml`] (the one XML layer both sides read and write
//!   through: decoding, shape pre-scan, parse and root, text and booleans,
//!   escaping, the writer);
//! - thread modules owning sockets: [`csta::server`], [`csta::session`]
//!   (with [`csta::tls`], the CSTA port's TLS, and [`csta::clients`], who
//!   a connection is), [`xsi::link`], [`xsi::control`], [`xsi::subscriber`],
//!   [`xsi::executor`], [`status`]; [`http::conn`] is the blocking HTTP
//!   connection the channel threads (`xsi::link`, `xsi::control`) read and
//!   write through, [`xsi::shared`] the state of one link they both hold,
//!   [`xsi::client`] the ureq client of the workers; they send the
//!   dispatcher [`event::Event`]s, which carry the protocol modules' values;
//! - [`translate`]: Xsi call events → CSTA events, CSTA call-control
//!   requests → Xsi-Actions, the call model and the contact-centre queues;
//! - [`config`] reads the configuration into typed values: `config::devices`
//!   classifies devices into [`device::DeviceKind`] (a leaf that
//!   [`xsi::packages`], the translator and the dispatcher also use, so that
//!   `config` imports nothing of `xsi`), the XSP settings use
//!   [`http::target`] and [`http::tls`];
//! - [`dispatcher`]: the one place where everything meets, used by `main`;
//! - [`capture`]: recording the traffic for support cases, a leaf under the
//!   thread modules that call its hooks (it imports nothing of `csta`,
//!   `xsi`, `event` or `translate`), with its own writer thread;
//! - [`replay`]: a capture replayed offline through the translator (`bwcsta
//!   replay`), on top of `capture`, `translate` and the parsers; used by
//!   `main` only.
//!
//! No module imports another that imports it back. Grouped by top-level
//! module the graph still has one cycle, by design: `csta` and `xsi` each
//! hold a protocol layer (below `event` and `config`, which use its types)
//! and a thread layer (above them: it sends events and reads the
//! configuration), and `capture` and `logging` sit on `config`.

pub mod capture;
pub mod config;
pub mod csta;
pub mod device;
pub mod dispatcher;
pub mod event;
#[cfg(test)]
pub(crate) mod fuzz;
pub mod http;
pub mod logging;
pub mod pidfile;
pub mod ratelimit;
pub mod replay;
pub mod signals;
pub mod status;
#[cfg(test)]
pub(crate) mod testdir;
pub mod thread;
pub mod time;
pub mod translate;
pub mod xml;
pub mod xsi;
