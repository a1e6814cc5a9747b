"""Discovery the way standard Azure tooling does it: the cloud metadata document, the caller's
subscriptions (azure-mgmt-resource-subscriptions), the managed HSM listing (azure-mgmt-keyvault),
and Key Vault 403s that name the refused operation (azure-keyvault-*)."""

import pytest
import requests
from azure.core.exceptions import HttpResponseError
from azure.keyvault.certificates import CertificateClient, CertificatePolicy
from azure.keyvault.secrets import SecretClient
from azure.mgmt.keyvault import KeyVaultManagementClient
from azure.mgmt.resource.subscriptions import SubscriptionClient

from conftest import NO_ACCESS_CLIENT_ID, PROD_SUBSCRIPTION, STAGING_SUBSCRIPTION, TENANT_ID


def subscriptions(emulator, credential, base_url=None, scope=None):
    arm = base_url or emulator.arm
    return SubscriptionClient(credential, base_url=arm, credential_scopes=[scope or arm + "/.default"])


def test_subscription_client_lists_the_callers_subscriptions(emulator, credential):
    subs = list(subscriptions(emulator, credential).subscriptions.list())
    assert sorted(s.subscription_id for s in subs) == sorted([PROD_SUBSCRIPTION, STAGING_SUBSCRIPTION])
    for s in subs:
        assert s.id == f"/subscriptions/{s.subscription_id}"
        assert s.tenant_id == TENANT_ID
        assert s.state == "Enabled"
        assert s.display_name
        assert s.authorization_source == "RoleBased"
        assert s.subscription_policies.quota_id


def test_an_app_without_roles_lists_no_subscriptions(emulator, no_access_credential):
    assert list(subscriptions(emulator, no_access_credential).subscriptions.list()) == []


def test_metadata_document_is_enough_to_reach_arm(emulator, credential):
    """A tool that knows only the ARM URL reads /metadata/endpoints, then asks a token for the
    first audience and calls the resource manager it names."""
    r = requests.get(f"{emulator.arm}/metadata/endpoints?api-version=2022-09-01", verify=emulator.ca_file, timeout=30)
    assert r.status_code == 200, r.text
    (cloud,) = r.json()
    assert cloud["authentication"]["loginEndpoint"].rstrip("/") == emulator.authority
    assert cloud["suffixes"]["keyVaultDns"] == f"vault.localhost:{emulator.port}"
    arm = cloud["resourceManager"].rstrip("/")
    audience = cloud["authentication"]["audiences"][0]
    subs = list(subscriptions(emulator, credential, base_url=arm, scope=audience + ".default").subscriptions.list())
    assert PROD_SUBSCRIPTION in {s.subscription_id for s in subs}


def mgmt(emulator, credential, subscription=PROD_SUBSCRIPTION):
    return KeyVaultManagementClient(
        credential, subscription, base_url=emulator.arm, credential_scopes=[emulator.arm + "/.default"]
    )


def test_managed_hsm_listings_are_empty(emulator, credential):
    client = mgmt(emulator, credential)
    assert list(client.managed_hsms.list_by_subscription()) == []
    assert list(client.managed_hsms.list_by_resource_group("rg-prod-security")) == []


def test_managed_hsm_listing_is_refused_without_a_role(emulator, no_access_credential):
    with pytest.raises(HttpResponseError) as info:
        list(mgmt(emulator, no_access_credential).managed_hsms.list_by_subscription())
    assert info.value.status_code == 403
    assert info.value.error.code == "AuthorizationFailed"
    assert "Microsoft.KeyVault/managedHSMs/read" in info.value.error.message


def forbidden(call):
    with pytest.raises(HttpResponseError) as info:
        call()
    assert info.value.status_code == 403
    return str(info.value)


def test_rbac_vault_403_names_the_data_action(emulator, no_access_credential):
    secrets = SecretClient(emulator.vault_url("kv-prod-web"), no_access_credential)
    text = forbidden(lambda: list(secrets.list_properties_of_secrets()))
    assert "Action: 'Microsoft.KeyVault/vaults/secrets/readMetadata/action'" in text
    assert f"appid={NO_ACCESS_CLIENT_ID};" in text
    text = forbidden(lambda: secrets.get_secret("anything"))
    assert "Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'" in text
    assert "/microsoft.keyvault/vaults/kv-prod-web/secrets/anything'" in text
    certs = CertificateClient(emulator.vault_url("kv-prod-web"), no_access_credential)
    text = forbidden(lambda: certs.begin_create_certificate("denied", CertificatePolicy.get_default()))
    assert "Action: 'Microsoft.KeyVault/vaults/certificates/create/action'" in text


def test_access_policy_vault_403_names_the_permission(emulator, no_access_credential):
    secrets = SecretClient(emulator.vault_url("kv-stg-legacy"), no_access_credential)
    text = forbidden(lambda: secrets.set_secret("denied", "value"))
    assert "does not have secrets set permission on key vault 'kv-stg-legacy;location=" in text
    certs = CertificateClient(emulator.vault_url("kv-stg-legacy"), no_access_credential)
    text = forbidden(lambda: certs.get_certificate("anything"))
    assert "does not have certificates get permission" in text
    text = forbidden(lambda: list(certs.list_properties_of_issuers()))
    assert "does not have certificates listissuers permission" in text
