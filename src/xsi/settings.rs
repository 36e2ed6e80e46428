//! The Xsi side's view of the configuration, made once at start-up from
//! the typed values of [`crate::config`] (nothing is parsed again here):
//! server targets, credentials (kept out of Debug output), timers, the
//! [`Trust`] rule and what both HTTP clients build from it — the native-tls
//! connector of the link threads and the ureq agents of the workers.
//! No sockets are opened here.

use std::time::Duration;

use crate::config::{Config, Secret};
use crate::http::target::Target;
use crate::http::tls::Trust;
use crate::http::wire::basic_auth;

#[derive(Clone)]
pub struct XsiSettings {
    pub servers: Vec<(String, Target)>,
    pub username: String,
    password: Secret,
    pub application_id: String,
    pub channel_set_id: String,
    pub event_package: String,
    pub channel_expires: u32,
    pub subscription_expires: u32,
    pub heartbeat_interval: Duration,
    pub reconnect_initial: Duration,
    pub reconnect_max: Duration,
    pub request_timeout: Duration,
    /// The one trust rule of every HTTPS request (`xsi.tls`).
    pub trust: Trust,
    /// Built once from `trust`; None when no server uses https.
    pub tls_connector: Option<native_tls::TlsConnector>,
}

impl std::fmt::Debug for XsiSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("XsiSettings")
            .field(
                "servers",
                &self.servers.iter().map(|s| &s.0).collect::<Vec<_>>(),
            )
            .field("username", &self.username)
            .field("password", &"***")
            .field("channel_set_id", &self.channel_set_id)
            .finish_non_exhaustive()
    }
}

fn whole_secs(d: Duration) -> u32 {
    u32::try_from(d.as_secs().max(1)).unwrap_or(u32::MAX)
}

impl XsiSettings {
    pub fn from_config(cfg: &Config) -> Result<Self, String> {
        let x = &cfg.xsi;
        let servers: Vec<(String, Target)> = x
            .servers
            .iter()
            .map(|s| (s.name.clone(), s.target.clone()))
            .collect();
        let tls_connector = if servers.iter().any(|(_, t)| t.https) {
            Some(x.tls.connector().map_err(|e| format!("TLS set-up: {e}"))?)
        } else {
            None
        };
        Ok(XsiSettings {
            servers,
            username: x.username.clone(),
            password: x.password.clone(),
            application_id: x.application_id.clone(),
            channel_set_id: x.channel_set_id.clone(),
            event_package: x.event_package.clone(),
            channel_expires: whole_secs(x.channel_expires),
            subscription_expires: whole_secs(x.subscription_expires),
            heartbeat_interval: x.heartbeat_interval,
            reconnect_initial: x.reconnect_initial,
            reconnect_max: x.reconnect_max,
            request_timeout: x.request_timeout,
            trust: x.tls.clone(),
            tls_connector,
        })
    }

    /// `Authorization` header value.
    pub fn authorization(&self) -> String {
        basic_auth(&self.username, self.password.expose())
    }

    pub fn server_name(&self, i: usize) -> &str {
        self.servers.get(i).map_or("?", |s| s.0.as_str())
    }

    pub fn url(&self, i: usize, path: &str) -> Option<String> {
        self.servers.get(i).map(|(_, t)| t.url(path))
    }

    /// The ureq agent for call-control requests (each request sets its own
    /// timeout, see `xsi::client`).
    pub fn agent(&self) -> ureq::Agent {
        ureq::Agent::new_with_config(self.agent_config().build())
    }

    /// An agent for a pool of workers that keeps up to `idle` connections
    /// alive between requests, `per_host` of them to one XSP, so that a
    /// burst of requests does not open and close a connection each. Small
    /// buffers: Xsi requests and answers are a few hundred bytes.
    pub fn pooled_agent(&self, idle: usize, per_host: usize) -> ureq::Agent {
        let config = self
            .agent_config()
            .max_idle_connections(idle)
            .max_idle_connections_per_host(per_host)
            .input_buffer_size(16 * 1024)
            .output_buffer_size(16 * 1024)
            .build();
        ureq::Agent::new_with_config(config)
    }

    /// Settings from the `xsi` section of a configuration, for tests.
    #[cfg(test)]
    pub(crate) fn for_test(xsi: serde_json::Value) -> std::sync::Arc<XsiSettings> {
        let config = serde_json::json!({ "xsi": xsi }).to_string();
        let config = Config::from_json_str(&config, std::path::Path::new("/")).expect("config");
        std::sync::Arc::new(XsiSettings::from_config(&config).expect("settings"))
    }

    /// What every agent has: `xsi.request_timeout_s`, statuses as answers
    /// (not errors), the user agent and the one trust rule.
    fn agent_config(&self) -> ureq::config::ConfigBuilder<ureq::typestate::AgentScope> {
        ureq::Agent::config_builder()
            .timeout_global(Some(self.request_timeout.max(Duration::from_millis(1))))
            .http_status_as_error(false)
            .user_agent(concat!("bwcsta/", env!("CARGO_PKG_VERSION")))
            .tls_config(self.trust.ureq_config())
    }
}
