//! Which credentials and vaults a command covers: one credential by name, one vault (by name
//! alone when exactly one credential sees it), or everything.

use certkeep_store::{Credential, Vault};

use crate::{Engine, EngineError};

/// Which vaults a use case covers. Names as users type them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub credential: Option<String>,
    pub vault: Option<String>,
}

impl Scope {
    pub fn vault(credential: impl Into<String>, vault: impl Into<String>) -> Self {
        Self {
            credential: Some(credential.into()),
            vault: Some(vault.into()),
        }
    }
}

impl Engine {
    /// Finds a credential by name.
    pub async fn credential(&self, name: &str) -> Result<Credential, EngineError> {
        self.store
            .find_credential_by_name(name)
            .await?
            .ok_or_else(|| EngineError::NotFound {
                what: format!("credential '{name}'"),
            })
    }

    /// The credentials a command applies to: one by name, or all.
    pub(crate) async fn credentials_in_scope(
        &self,
        name: Option<&str>,
    ) -> Result<Vec<Credential>, EngineError> {
        match name {
            Some(n) => Ok(vec![self.credential(n).await?]),
            None => Ok(self.store.list_credentials().await?),
        }
    }

    /// A vault of a credential by name.
    pub async fn vault(
        &self,
        credential: &str,
        vault: &str,
    ) -> Result<(Credential, Vault), EngineError> {
        let c = self.credential(credential).await?;
        let v =
            self.store
                .find_vault(&c.id, vault)
                .await?
                .ok_or_else(|| EngineError::NotFound {
                    what: format!("vault '{vault}' of credential '{credential}'"),
                })?;
        Ok((c, v))
    }

    /// Fills in the credential of a vault given alone (refused when several credentials see a
    /// vault of that name) and checks that what the scope names exists.
    pub async fn resolve_scope(&self, scope: &Scope) -> Result<Scope, EngineError> {
        let credential = match (&scope.credential, &scope.vault) {
            (None, Some(vault)) => Some(self.credential_of_vault(vault).await?),
            (c, _) => c.clone(),
        };
        if let (Some(c), Some(v)) = (&credential, &scope.vault) {
            self.vault(c, v).await?;
        } else if let Some(c) = &credential {
            self.credential(c).await?;
        }
        Ok(Scope {
            credential,
            vault: scope.vault.clone(),
        })
    }

    /// The (credential, vault) pair a scope names; the vault is required.
    pub(crate) async fn one_vault(
        &self,
        scope: &Scope,
    ) -> Result<(Credential, Vault), EngineError> {
        let resolved = self.resolve_scope(scope).await?;
        match (&resolved.credential, &resolved.vault) {
            (Some(c), Some(v)) => self.vault(c, v).await,
            _ => Err(EngineError::invalid("vault", "name the vault")),
        }
    }

    async fn credential_of_vault(&self, vault: &str) -> Result<String, EngineError> {
        let mut owners = Vec::new();
        for c in self.store.list_credentials().await? {
            if self.store.find_vault(&c.id, vault).await?.is_some() {
                owners.push(c.name);
            }
        }
        match owners.len() {
            0 => Err(EngineError::NotFound {
                what: format!("vault '{vault}'"),
            }),
            1 => Ok(owners.remove(0)),
            _ => Err(EngineError::invalid(
                "vault",
                format!(
                    "'{vault}' is seen by several credentials ({}): give the credential too",
                    owners.join(", ")
                ),
            )),
        }
    }

    /// The (credential, vault) pairs in scope; vaults marked missing are skipped.
    pub(crate) async fn vaults_in_scope(
        &self,
        scope: &Scope,
    ) -> Result<Vec<(Credential, Vault)>, EngineError> {
        let scope = self.resolve_scope(scope).await?;
        if let (Some(c), Some(v)) = (&scope.credential, &scope.vault) {
            return Ok(vec![self.vault(c, v).await?]);
        }
        let mut out = Vec::new();
        for c in self
            .credentials_in_scope(scope.credential.as_deref())
            .await?
        {
            for v in self.store.list_vaults(Some(&c.id)).await? {
                if !v.is_missing {
                    out.push((c.clone(), v));
                }
            }
        }
        Ok(out)
    }
}
