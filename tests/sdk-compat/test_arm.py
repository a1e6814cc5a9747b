"""Scenario 2: azure-mgmt-keyvault against the emulated Azure Resource Manager."""

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.keyvault import KeyVaultManagementClient

from conftest import PROD_SUBSCRIPTION, PROD_VAULTS, STAGING_SUBSCRIPTION, STAGING_VAULTS, TENANT_ID


def mgmt(emulator, credential, subscription=PROD_SUBSCRIPTION):
    return KeyVaultManagementClient(
        credential, subscription, base_url=emulator.arm, credential_scopes=[emulator.arm + "/.default"]
    )


def test_list_by_subscription_returns_prod_vaults_with_properties(emulator, credential):
    vaults = list(mgmt(emulator, credential).vaults.list_by_subscription())
    assert sorted(v.name for v in vaults) == sorted(PROD_VAULTS)
    for v in vaults:
        assert v.properties.vault_uri == f"https://{v.name}.vault.localhost:{emulator.port}/"
        assert v.properties.tenant_id == TENANT_ID
        assert v.properties.sku.family == "A"
        assert v.properties.sku.name in ("standard", "premium")
        assert v.type == "Microsoft.KeyVault/vaults"
        assert v.id == (
            f"/subscriptions/{PROD_SUBSCRIPTION}/resourceGroups/rg-prod-security"
            f"/providers/Microsoft.KeyVault/vaults/{v.name}"
        )
        assert v.location in ("westeurope", "northeurope")
    by_name = {v.name: v for v in vaults}
    assert by_name["kv-prod-shared"].properties.sku.name == "premium"
    assert by_name["kv-prod-web"].properties.sku.name == "standard"


def test_staging_subscription_has_its_own_vaults(emulator, credential):
    vaults = list(mgmt(emulator, credential, STAGING_SUBSCRIPTION).vaults.list_by_subscription())
    assert sorted(v.name for v in vaults) == sorted(STAGING_VAULTS)


def test_generic_resources_list(emulator, credential):
    resources = list(mgmt(emulator, credential).vaults.list())
    assert sorted(r.name for r in resources) == sorted(PROD_VAULTS)
    for r in resources:
        assert r.type == "Microsoft.KeyVault/vaults"
        assert r.id.endswith(f"/providers/Microsoft.KeyVault/vaults/{r.name}")


@pytest.mark.parametrize("operation", ["list_by_subscription", "list"])
def test_paging_with_top_1_yields_every_vault(emulator, credential, operation):
    emulator.reset_counters()
    vaults = list(getattr(mgmt(emulator, credential).vaults, operation)(top=1))
    assert sorted(v.name for v in vaults) == sorted(PROD_VAULTS)
    route = "arm.vaults.list" if operation == "list_by_subscription" else "arm.resources.list"
    # One page per vault: the SDK followed nextLink twice.
    assert emulator.counters()["by_route"].get(route) == len(PROD_VAULTS)


def test_get_vault(emulator, credential):
    v = mgmt(emulator, credential).vaults.get("rg-prod-security", "kv-prod-api")
    assert v.name == "kv-prod-api"
    assert v.properties.vault_uri == emulator.vault_url("kv-prod-api")


def test_no_access_app_gets_403_authorization_failed(emulator, no_access_credential):
    with pytest.raises(HttpResponseError) as info:
        list(mgmt(emulator, no_access_credential).vaults.list_by_subscription())
    assert info.value.status_code == 403
    assert info.value.error.code == "AuthorizationFailed"


def test_unknown_subscription_is_404(emulator, credential):
    client = mgmt(emulator, credential, "0badc0de-0000-4000-8000-000000000000")
    with pytest.raises(HttpResponseError) as info:
        list(client.vaults.list_by_subscription())
    assert info.value.status_code == 404
    assert info.value.error.code == "SubscriptionNotFound"
