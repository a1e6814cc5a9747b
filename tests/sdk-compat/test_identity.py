"""Scenario 1: azure-identity ClientSecretCredential against the emulated Entra ID authority."""

import base64
import json
import time

import pytest
from azure.core.exceptions import ClientAuthenticationError
from azure.identity import ClientSecretCredential

from conftest import CLIENT_ID, CLIENT_SECRET, TENANT_ID


def _claims(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def test_client_secret_credential_gets_tokens_for_arm_and_vaults(emulator):
    cred = emulator.credential()
    arm = cred.get_token(f"{emulator.arm}/.default")
    vault = cred.get_token(f"{emulator.vault_resource}/.default")
    now = time.time()
    for tok in (arm, vault):
        assert tok.token.count(".") == 2
        assert now + 3000 < tok.expires_on <= now + 3700
    arm_claims, vault_claims = _claims(arm.token), _claims(vault.token)
    assert arm_claims["aud"].rstrip("/") == emulator.arm
    assert vault_claims["aud"].rstrip("/") == emulator.vault_resource
    for c in (arm_claims, vault_claims):
        assert c["tid"] == TENANT_ID
        assert c["appid"] == CLIENT_ID
        assert c["iss"] == f"https://sts.windows.net/{TENANT_ID}/"


def _fails_with(emulator, tenant, client, secret, code):
    cred = ClientSecretCredential(
        tenant, client, secret, authority=emulator.authority, disable_instance_discovery=True
    )
    with pytest.raises(ClientAuthenticationError) as info:
        cred.get_token(f"{emulator.arm}/.default")
    assert code in str(info.value)
    return info.value


def test_wrong_secret_is_aadsts7000215(emulator):
    _fails_with(emulator, TENANT_ID, CLIENT_ID, "not-the-secret", "AADSTS7000215")


def test_unknown_client_is_aadsts700016(emulator):
    _fails_with(emulator, TENANT_ID, "11111111-2222-3333-4444-555555555555", CLIENT_SECRET, "AADSTS700016")


def test_unknown_tenant_is_aadsts90002(emulator):
    import requests

    unknown = "00000000-1111-2222-3333-444444444444"
    # As with real Entra ID, MSAL already fails at the tenant's OpenID metadata...
    _fails_with(emulator, unknown, CLIENT_ID, CLIENT_SECRET, "Unable to get authority configuration")
    # ...which answers 400 AADSTS90002, as does the token endpoint itself.
    for method, path in [("get", "v2.0/.well-known/openid-configuration"), ("post", "oauth2/v2.0/token")]:
        resp = requests.request(
            method,
            f"{emulator.authority}/{unknown}/{path}",
            data={"grant_type": "client_credentials", "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                  "scope": f"{emulator.info['vault_resource']}/.default"},
            timeout=10,
        )
        assert resp.status_code == 400, resp.text
        assert resp.json()["error_codes"] == [90002]
        assert "AADSTS90002" in resp.json()["error_description"]


def test_no_access_app_is_forbidden_on_the_data_plane(emulator, no_access_credential):
    from azure.core.exceptions import HttpResponseError
    from azure.keyvault.certificates import CertificateClient

    client = CertificateClient(emulator.vault_url("kv-prod-web"), no_access_credential)
    with pytest.raises(HttpResponseError) as info:
        client.get_certificate("www-prod")
    assert info.value.status_code == 403
    assert info.value.error.code == "Forbidden"


def test_environment_and_default_credential(emulator, monkeypatch):
    """The usual app setup: AZURE_* variables with AZURE_AUTHORITY_HOST pointing at the emulator.
    Instance discovery must be off (msal would otherwise ask login.microsoftonline.com)."""
    from azure.identity import DefaultAzureCredential, EnvironmentCredential
    from azure.keyvault.secrets import SecretClient

    monkeypatch.setenv("AZURE_TENANT_ID", TENANT_ID)
    monkeypatch.setenv("AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("AZURE_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("AZURE_AUTHORITY_HOST", emulator.authority)
    token = EnvironmentCredential(disable_instance_discovery=True).get_token(f"{emulator.arm}/.default")
    assert _claims(token.token)["appid"] == CLIENT_ID
    client = SecretClient(emulator.vault_url("kv-prod-web"), DefaultAzureCredential(disable_instance_discovery=True))
    assert client.get_secret("api-key").value == "demo-api-key-0"
