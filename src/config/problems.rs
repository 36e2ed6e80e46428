//! What is wrong with a configuration: [`Problem`], [`ConfigError`], and the
//! [`Problems`] collected while reading.

use std::fmt;

/// One thing wrong with the configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// JSON path such as `xsi.servers[1].url`; empty for the whole file.
    pub path: String,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every problem found in a configuration; `Display` prints one per line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfigError {
    pub problems: Vec<Problem>,
}

impl ConfigError {
    pub(super) fn whole_file(message: String) -> ConfigError {
        ConfigError {
            problems: vec![Problem {
                path: String::new(),
                message,
            }],
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (index, problem) in self.problems.iter().enumerate() {
            if index > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ConfigError {}

/// Problems collected so far, in the order they were found.
#[derive(Default)]
pub(super) struct Problems(pub(super) Vec<Problem>);

impl Problems {
    pub(super) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    /// Records the error of `result`, if any, under `path`.
    pub(super) fn check<T>(
        &mut self,
        path: impl Into<String>,
        result: Result<T, String>,
    ) -> Option<T> {
        result.map_err(|message| self.push(path, message)).ok()
    }

    pub(super) fn into_error(self) -> ConfigError {
        let mut problems = self.0;
        if problems.is_empty() {
            // Not reachable: every failed read records a problem. Never report success by accident.
            problems.push(Problem {
                path: String::new(),
                message: "invalid configuration".to_string(),
            });
        }
        ConfigError { problems }
    }
}
