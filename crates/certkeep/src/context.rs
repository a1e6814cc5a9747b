//! Where a command's state lives (data directory, database, master key, config file) and how
//! the engine is opened from it.

use std::path::{Path, PathBuf};

use certkeep_engine::master_key::MASTER_KEY_ENV;
use certkeep_engine::{Engine, EngineConfig, EngineOptions, KeyAccess};

use crate::cli::GlobalArgs;
use crate::error::CliResult;
use crate::output::Format;

/// Default data directory, relative to the working directory.
pub(crate) const DEFAULT_DATA_DIR: &str = "./certkeep-data";

#[derive(Debug, Clone)]
pub(crate) struct Context {
    pub(crate) data_dir: PathBuf,
    pub(crate) database_url: String,
    pub(crate) master_key_file: PathBuf,
    pub(crate) config_file: Option<PathBuf>,
    pub(crate) output: Format,
}

impl Context {
    pub(crate) fn from_args(g: &GlobalArgs) -> Self {
        let data_dir = g
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        Self::for_data_dir(data_dir, g.database_url.clone(), g.config.clone(), g.output)
    }

    /// A context in `data_dir`: the database defaults to `sqlite://{data_dir}/certkeep.db`, the
    /// master key to `{data_dir}/master.key` unless `CERTKEEP_MASTER_KEY_FILE` names another.
    pub(crate) fn for_data_dir(
        data_dir: PathBuf,
        database_url: Option<String>,
        config_file: Option<PathBuf>,
        output: Format,
    ) -> Self {
        let database_url = database_url
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| sqlite_url(&data_dir.join("certkeep.db")));
        let master_key_file = std::env::var_os(MASTER_KEY_ENV)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| data_dir.join("master.key"));
        Self {
            data_dir,
            database_url,
            master_key_file,
            config_file,
            output,
        }
    }

    pub(crate) fn engine_config(&self) -> CliResult<EngineConfig> {
        Ok(certkeep_engine::config_file::engine_config(
            self.config_file.as_deref(),
        )?)
    }

    /// Opens the engine for a command that reads only: no master key is ever created.
    pub(crate) async fn open_read(&self) -> CliResult<Engine> {
        self.open_with(KeyAccess::ReadOnly).await
    }

    /// Opens the engine for a command that may seal secrets (the key is made on first use).
    pub(crate) async fn open(&self) -> CliResult<Engine> {
        self.open_with(KeyAccess::ReadWrite).await
    }

    async fn open_with(&self, key_access: KeyAccess) -> CliResult<Engine> {
        let config = self.engine_config()?;
        create_private_dir(&self.data_dir).map_err(|e| {
            anyhow::anyhow!(
                "cannot create data directory {}: {e}",
                self.data_dir.display()
            )
        })?;
        let mut options = EngineOptions::new(&self.database_url, &self.master_key_file);
        options.config = config;
        options.key_access = key_access;
        Ok(Engine::open(options).await?)
    }
}

/// `sqlite://PATH` for a file path.
pub(crate) fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Creates the directory (mode 0700 on Unix) if it does not exist.
pub(crate) fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        builder.mode(0o700);
    }
    builder.create(dir)
}
