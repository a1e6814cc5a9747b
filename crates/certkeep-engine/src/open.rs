//! Opening the engine from where its state lives: the database URL, the master key file, the
//! configuration and the clock. Front ends call [`Engine::open`] and nothing else.

use std::path::PathBuf;
use std::sync::Arc;

use certkeep_store::{Clock, Store, SystemClock};

use crate::master_key::{KeyError, MasterKey};
use crate::{Engine, EngineConfig, EngineError};

/// Whether the command will write sealed secrets (and so may create the master key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyAccess {
    /// Reads only: a missing key file is never created.
    ReadOnly,
    /// May seal secrets: a missing key file is created when the database holds none yet.
    ReadWrite,
}

/// Everything [`Engine::open`] needs.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// `sqlite://PATH`, `sqlite::memory:` or `postgres://...`.
    pub database_url: String,
    pub master_key_file: PathBuf,
    pub config: EngineConfig,
    pub key_access: KeyAccess,
    pub clock: Arc<dyn Clock>,
}

impl EngineOptions {
    pub fn new(database_url: impl Into<String>, master_key_file: impl Into<PathBuf>) -> Self {
        Self {
            database_url: database_url.into(),
            master_key_file: master_key_file.into(),
            config: EngineConfig::default(),
            key_access: KeyAccess::ReadWrite,
            clock: Arc::new(SystemClock),
        }
    }
}

impl Engine {
    /// Connects the store (migrating it) on the given clock, then loads the master key:
    /// - an existing key file is loaded (and must be private);
    /// - a missing one next to a database that already holds sealed credentials is an error
    ///   that says so (those secrets cannot be opened without it);
    /// - otherwise it is created for [`KeyAccess::ReadWrite`], and left absent for
    ///   [`KeyAccess::ReadOnly`].
    pub async fn open(options: EngineOptions) -> Result<Engine, EngineError> {
        let store = Store::connect_with_clock(&options.database_url, options.clock.clone()).await?;
        let path = &options.master_key_file;
        let key = if path.exists() {
            Some(MasterKey::load(path)?)
        } else {
            let sealed = store.list_credentials().await?.len();
            if sealed > 0 {
                return Err(KeyError::Io {
                    path: path.clone(),
                    reason: format!(
                        "it does not exist, but the database holds {sealed} credential(s) sealed \
                         with a master key: restore the key file or point CERTKEEP_MASTER_KEY_FILE at it"
                    ),
                }
                .into());
            }
            match options.key_access {
                KeyAccess::ReadOnly => None,
                KeyAccess::ReadWrite => Some(MasterKey::load_or_create(path)?),
            }
        };
        Ok(Engine::assemble(
            store,
            key,
            Some(path.clone()),
            options.config,
            options.clock,
        ))
    }
}
