//! Key Vault's 403 for a caller without access, naming the operation that was refused: the
//! access-policy permission (`secrets list`, `certificates create`, ...) for access-policy
//! vaults, the RBAC data action (`Microsoft.KeyVault/vaults/secrets/readMetadata/action`, ...)
//! and the resource for RBAC vaults.
//!
//! Data actions and the access-policy → data-action correspondence are Microsoft's published
//! ones (Azure permissions for Microsoft.KeyVault; the access-policy to RBAC mapping). Which
//! permission a few routes need (issuers, contacts, pending operations, deleted objects) is
//! inferred from the REST reference ("This operation requires the certificates/… permission").

use crate::http::ApiError;

/// What a route needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needed {
    /// Access-policy wording, e.g. `secrets list` ("does not have secrets list permission").
    pub permission: &'static str,
    /// RBAC data action after `Microsoft.KeyVault/vaults/`, e.g. `secrets/readMetadata/action`.
    pub data_action: &'static str,
    /// The collection an item route's resource path names (`certificates`, `secrets`), if any.
    pub collection: Option<&'static str>,
}

const fn need(
    permission: &'static str,
    data_action: &'static str,
    collection: Option<&'static str>,
) -> Needed {
    Needed {
        permission,
        data_action,
        collection,
    }
}

const CERTS: Option<&str> = Some("certificates");
const SECRETS: Option<&str> = Some("secrets");

/// The permission and data action a vault route needs.
pub fn needed(route: &str) -> Needed {
    match route {
        "kv.certificates.list" => need("certificates list", "certificates/read", None),
        "kv.certificates.versions" => need("certificates list", "certificates/read", CERTS),
        "kv.certificates.get" | "kv.certificates.policy.get" | "kv.certificates.pending.get" => {
            need("certificates get", "certificates/read", CERTS)
        }
        "kv.certificates.create" | "kv.certificates.merge" => {
            need("certificates create", "certificates/create/action", CERTS)
        }
        "kv.certificates.import" => {
            need("certificates import", "certificates/import/action", CERTS)
        }
        "kv.certificates.update"
        | "kv.certificates.policy.update"
        | "kv.certificates.pending.update" => {
            need("certificates update", "certificates/update/action", CERTS)
        }
        "kv.certificates.delete" | "kv.certificates.pending.delete" => {
            need("certificates delete", "certificates/delete", CERTS)
        }
        "kv.deletedcertificates.list" => need("certificates list", "certificates/read", None),
        "kv.deletedcertificates.get" => need("certificates get", "certificates/read", CERTS),
        "kv.deletedcertificates.purge" => {
            need("certificates purge", "certificates/purge/action", CERTS)
        }
        "kv.deletedcertificates.recover" => {
            need("certificates recover", "certificates/recover/action", CERTS)
        }
        "kv.secrets.list" => need("secrets list", "secrets/readMetadata/action", None),
        "kv.secrets.versions" => need("secrets list", "secrets/readMetadata/action", SECRETS),
        "kv.secrets.get" => need("secrets get", "secrets/getSecret/action", SECRETS),
        "kv.secrets.set" => need("secrets set", "secrets/setSecret/action", SECRETS),
        "kv.secrets.update" => need("secrets set", "secrets/update/action", SECRETS),
        "kv.secrets.delete" => need("secrets delete", "secrets/delete", SECRETS),
        "kv.deletedsecrets.list" => need("secrets list", "secrets/readMetadata/action", None),
        "kv.deletedsecrets.get" => need("secrets get", "secrets/readMetadata/action", SECRETS),
        "kv.deletedsecrets.purge" => need("secrets purge", "secrets/purge/action", SECRETS),
        "kv.deletedsecrets.recover" => need("secrets recover", "secrets/recover/action", SECRETS),
        "kv.issuers.list" => need("certificates listissuers", "certificatecas/read", None),
        "kv.issuers.get" => need("certificates getissuers", "certificatecas/read", None),
        "kv.issuers.set" | "kv.issuers.update" => {
            need("certificates setissuers", "certificatecas/write", None)
        }
        "kv.issuers.delete" => need("certificates deleteissuers", "certificatecas/delete", None),
        "kv.contacts.get" | "kv.contacts.set" | "kv.contacts.delete" => need(
            "certificates managecontacts",
            "certificatecontacts/write",
            None,
        ),
        _ => need("certificates get", "certificates/read", None),
    }
}

/// Who was refused and where.
pub struct Refusal<'a> {
    /// `appid=…;oid=…;iss=https://sts.windows.net/{tenant}/`.
    pub caller: &'a str,
    pub vault: &'a str,
    pub location: &'a str,
    pub subscription: &'a str,
    pub resource_group: &'a str,
    pub rbac: bool,
    /// The object's name for item routes (`/certificates/{name}/…`).
    pub item: Option<&'a str>,
}

/// The ARM resource an RBAC refusal names: the vault, or the item inside it (lowercase up to
/// the vault, as the service prints it).
fn resource(r: &Refusal<'_>, need: &Needed) -> String {
    let vault = format!(
        "/subscriptions/{}/resourcegroups/{}/providers/microsoft.keyvault/vaults/{}",
        r.subscription.to_ascii_lowercase(),
        r.resource_group.to_ascii_lowercase(),
        r.vault.to_ascii_lowercase()
    );
    match (need.collection, r.item.filter(|n| !n.is_empty())) {
        (Some(collection), Some(item)) => format!("{vault}/{collection}/{item}"),
        _ => vault,
    }
}

/// The 403 for `route`.
pub fn forbidden(route: &str, r: &Refusal<'_>) -> ApiError {
    let need = needed(route);
    let (vault, location, caller) = (r.vault, r.location, r.caller);
    if r.rbac {
        let action = format!("Microsoft.KeyVault/vaults/{}", need.data_action);
        let resource = resource(r, &need);
        ApiError::forbidden(format!(
            "Caller is not authorized to perform action on resource.\r\nIf role assignments, deny assignments or role definitions were changed recently, please observe propagation time.\r\nCaller: {caller}\r\nAction: '{action}'\r\nResource: '{resource}'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: 'DeniedWithNoValidRBAC' \r\nVault: {vault};location={location}\r\n"
        ))
        .inner("ForbiddenByRbac")
    } else {
        ApiError::forbidden(format!(
            "The user, group or application '{caller}' does not have {} permission on key vault '{vault};location={location}'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
            need.permission
        ))
        .inner("AccessDenied")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(rbac: bool, item: Option<&'static str>) -> Refusal<'static> {
        Refusal {
            caller: "appid=a;oid=o;iss=https://sts.windows.net/t/",
            vault: "kv-1",
            location: "westeurope",
            subscription: "sub",
            resource_group: "RG-One",
            rbac,
            item,
        }
    }

    #[test]
    fn every_route_id_has_its_own_need() {
        assert_eq!(
            needed("kv.secrets.get").data_action,
            "secrets/getSecret/action"
        );
        assert_eq!(
            needed("kv.certificates.create").permission,
            "certificates create"
        );
        assert_eq!(
            needed("kv.contacts.get").data_action,
            "certificatecontacts/write"
        );
    }

    #[test]
    fn rbac_names_the_item_and_policy_names_the_permission() {
        let e = forbidden("kv.secrets.get", &refusal(true, Some("db-password")));
        assert!(
            e.message
                .contains("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'")
        );
        assert!(e.message.contains(
            "Resource: '/subscriptions/sub/resourcegroups/rg-one/providers/microsoft.keyvault/vaults/kv-1/secrets/db-password'"
        ));
        let e = forbidden("kv.secrets.list", &refusal(true, Some("")));
        assert!(e.message.contains("/vaults/kv-1'\r\n"), "{}", e.message);
        let e = forbidden("kv.certificates.import", &refusal(false, Some("c")));
        assert!(e.message.contains(
            "does not have certificates import permission on key vault 'kv-1;location=westeurope'"
        ));
    }
}
