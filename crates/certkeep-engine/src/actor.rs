//! Who is acting: every use case takes an [`Actor`], and the audit log records it.

use serde::Serialize;

/// The principal behind a use case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Actor {
    /// A person signed in to the web interface or the API.
    User { name: String },
    /// A script using an API token.
    ApiToken { id: String, owner: String },
    /// A background job (scheduler, poller).
    System { job: String },
    /// The command line, run by this operating-system user.
    Cli { os_user: String },
}

impl Actor {
    pub fn user(name: impl Into<String>) -> Self {
        Self::User { name: name.into() }
    }

    pub fn system(job: impl Into<String>) -> Self {
        Self::System { job: job.into() }
    }

    /// The command line, as the user the process runs as (`$USER`, `$LOGNAME`, the last part
    /// of `$HOME`, else `unknown`).
    pub fn cli() -> Self {
        let home_user = || {
            std::env::var_os("HOME")
                .and_then(|h| {
                    std::path::Path::new(&h)
                        .file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                })
                .filter(|s| !s.trim().is_empty())
        };
        let os_user = ["USER", "LOGNAME", "USERNAME"]
            .iter()
            .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
            .or_else(home_user)
            .unwrap_or_else(|| "unknown".into());
        Self::Cli { os_user }
    }

    /// How the audit log and lease holders name it: `user:alice`, `token:ID`, `job:poller`,
    /// `cli:root`.
    pub fn audit_name(&self) -> String {
        match self {
            Self::User { name } => format!("user:{name}"),
            Self::ApiToken { id, .. } => format!("token:{id}"),
            Self::System { job } => format!("job:{job}"),
            Self::Cli { os_user } => format!("cli:{os_user}"),
        }
    }
}

impl std::fmt::Display for Actor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.audit_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_names_say_what_kind_of_principal_acted() {
        assert_eq!(Actor::user("alice").audit_name(), "user:alice");
        assert_eq!(Actor::system("poller").audit_name(), "job:poller");
        let t = Actor::ApiToken {
            id: "t1".into(),
            owner: "bob".into(),
        };
        assert_eq!(t.to_string(), "token:t1");
        assert!(Actor::cli().audit_name().starts_with("cli:"));
    }
}
