//! Why a command failed, and the exit code scripts see: 2 for usage and validation, the engine's
//! codes (3 Azure refused, 4 not found, 5 conflict, 6 partial) for its errors, 1 otherwise.

use std::fmt;

use certkeep_engine::EngineError;

#[derive(Debug)]
pub(crate) enum CliError {
    /// Bad input found by the CLI itself (config file, missing secret, confirmation): exit 2.
    Usage(String),
    /// A use case failed: the engine's exit code.
    Engine(EngineError),
    /// A use case's only item failed: its message and exit code.
    Failed { message: String, code: u8 },
    /// Anything else: exit 1.
    Other(anyhow::Error),
}

impl CliError {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    pub(crate) fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            Self::Engine(e) => e.exit_code(),
            Self::Failed { code, .. } => *code,
            Self::Other(_) => 1,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(m) => f.write_str(m),
            Self::Engine(e) => write!(f, "{e}"),
            Self::Failed { message, .. } => f.write_str(message),
            Self::Other(e) => write!(f, "{e:#}"),
        }
    }
}

impl From<EngineError> for CliError {
    fn from(e: EngineError) -> Self {
        Self::Engine(e)
    }
}

impl From<anyhow::Error> for CliError {
    fn from(e: anyhow::Error) -> Self {
        Self::Other(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        Self::Other(e.into())
    }
}

pub(crate) type CliResult<T = ()> = Result<T, CliError>;
