"""Scenario 13: malformed requests against the raw Key Vault REST API (token from azure-identity)."""

import base64
import hashlib
import json

import pytest
import requests

API = "7.5"


@pytest.fixture(scope="module")
def rest(emulator, credential):
    token = credential.get_token(f"{emulator.vault_resource}/.default").token
    base = emulator.vault_url("kv-prod-web").rstrip("/")

    def call(method, path, body=None, *, raw=None, api_version=API, auth=True):
        url = f"{base}{path}"
        if api_version is not None:
            url += ("&" if "?" in url else "?") + f"api-version={api_version}"
        headers = {"Authorization": f"Bearer {token}"} if auth else {}
        if raw is not None:
            headers["Content-Type"] = "application/json"
            return requests.request(method, url, data=raw, headers=headers, verify=emulator.ca_file, timeout=30)
        return requests.request(method, url, json=body, headers=headers, verify=emulator.ca_file, timeout=30)

    return call


def error_of(resp, status):
    assert resp.status_code == status, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    body = resp.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert isinstance(err["code"], str) and err["code"]
    assert isinstance(err["message"], str) and err["message"]
    assert set(err) <= {"code", "message", "innererror"}
    return err


def policy(**overrides):
    p = {
        "key_props": {"kty": "RSA", "key_size": 2048, "exportable": True, "reuse_key": False},
        "x509_props": {"subject": "CN=rest.contoso.com", "validity_months": 12},
        "issuer": {"name": "Self"},
    }
    for path, value in overrides.items():
        section, field = path.split(".")
        p[section][field] = value
    return {"policy": p}


def test_bad_certificate_name(rest):
    err = error_of(rest("POST", "/certificates/bad_name/create", policy()), 400)
    assert err["code"] == "BadParameter"
    assert "bad_name" in err["message"]


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"key_props.crv": "P-256"}, id="rsa-with-crv"),
        pytest.param({"key_props.key_size": 1024}, id="rsa-1024"),
        pytest.param({"x509_props.validity_months": 0}, id="validity-0"),
        pytest.param({"x509_props.key_usage": ["digitalSignature", "signEverything"]}, id="unknown-key-usage"),
    ],
)
def test_invalid_policy_names_the_field(rest, unique, overrides):
    name = unique("rest-bad")
    resp = rest("POST", f"/certificates/{name}/create", policy(**overrides))
    # Nothing was created, whatever the message says.
    error_of(rest("GET", f"/certificates/{name}"), 404)
    err = error_of(resp, 400)
    assert err["code"] == "BadParameter"
    (field,) = overrides  # e.g. "key_props.key_size"
    assert field in err["message"], err["message"]
    # Nothing was created.
    error_of(rest("GET", f"/certificates/{name}"), 404)


def test_invalid_json_body(rest, unique):
    err = error_of(rest("POST", f"/certificates/{unique('rest-json')}/create", raw=b'{"policy": {'), 400)
    assert err["code"] == "BadParameter"
    err = error_of(rest("PUT", f"/secrets/{unique('rest-json')}", raw=b"not json"), 400)
    assert err["code"] == "BadParameter"


def test_missing_api_version(rest):
    err = error_of(rest("GET", "/certificates", api_version=None), 400)
    assert "api-version" in err["message"]


def test_unknown_route(rest):
    error_of(rest("GET", "/no-such-collection/x"), 404)
    error_of(rest("POST", "/certificates/x/frobnicate"), 404)


def test_missing_token_gets_the_challenge(emulator, rest):
    resp = rest("GET", "/certificates", auth=False)
    err = error_of(resp, 401)
    assert err["code"] == "Unauthorized"
    challenge = resp.headers["WWW-Authenticate"]
    assert challenge.startswith("Bearer ")
    assert f'resource="{emulator.vault_resource}"' in challenge
    assert f'authorization="{emulator.authority}/' in challenge


def test_wire_x5t_is_base64url_sha1_of_cer(emulator, rest):
    body = rest("GET", "/certificates/www-prod").json()
    der = base64.b64decode(body["cer"])
    assert body["x5t"] == base64.urlsafe_b64encode(hashlib.sha1(der).digest()).rstrip(b"=").decode()
    assert body["id"].startswith(f"https://kv-prod-web.vault.localhost:{emulator.port}/certificates/www-prod/")
    assert body["kid"].split("/keys/")[1] == body["id"].split("/certificates/")[1]
    assert body["sid"].split("/secrets/")[1] == body["id"].split("/certificates/")[1]
