"""Scenario 9: SecretClient against the emulated vault."""

import base64
import datetime as dt

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12


def test_set_get_and_versions(secret_client, unique):
    name = unique("py-secret")
    first = secret_client.set_secret(name, "value-one", content_type="text/plain", tags={"team": "py"})
    assert first.name == name
    assert first.value == "value-one"
    assert first.properties.content_type == "text/plain"
    assert first.properties.tags == {"team": "py"}
    assert first.properties.enabled is True
    assert first.properties.managed is None or first.properties.managed is False
    assert first.id == f"{secret_client.vault_url}/secrets/{name}/{first.properties.version}"

    second = secret_client.set_secret(name, "value-two")
    assert second.properties.version != first.properties.version

    latest = secret_client.get_secret(name)
    assert latest.value == "value-two"
    assert latest.properties.version == second.properties.version
    old = secret_client.get_secret(name, first.properties.version)
    assert old.value == "value-one"
    assert old.properties.tags == {"team": "py"}

    versions = list(secret_client.list_properties_of_secret_versions(name))
    assert {v.version for v in versions} == {first.properties.version, second.properties.version}
    for v in versions:
        assert v.name == name
        assert v.id == f"{secret_client.vault_url}/secrets/{name}/{v.version}"

    with pytest.raises(ResourceNotFoundError):
        secret_client.get_secret(unique("py-missing"))


def test_list_flags_managed_secrets(secret_client_for):
    client = secret_client_for("kv-prod-api")  # nothing is written here
    props = {p.name: p for p in client.list_properties_of_secrets(max_page_size=4)}
    # Plain seeded secrets.
    for plain in ("db-password", "api-key", "tls-prod-lb-1", "tls-prod-ingress-1", "tls-prod-retired-1"):
        assert plain in props, plain
        assert not props[plain].managed, plain
    assert props["db-password"].content_type == "text/plain"
    assert props["tls-prod-retired-1"].enabled is False
    assert props["tls-prod-ingress-1"].tags == {"owner": "team-edge"}
    # Every certificate has a managed backing secret with the certificate's content type.
    certs = {f"{n}-prod" for n in ["www", "api", "login", "portal", "mail", "vpn", "intranet", "shop", "cdn", "grafana", "payments", "partner-sso"]}
    for c in certs:
        assert c in props, c
        assert props[c].managed is True, c
        assert props[c].content_type in ("application/x-pkcs12", "application/x-pem-file")
    assert len(props) == len(certs) + 5
    for p in props.values():
        assert p.id == f"{client.vault_url}/secrets/{p.name}"


def test_seeded_tls_secrets_are_real(secret_client_for):
    client = secret_client_for("kv-prod-api")
    pfx = client.get_secret("tls-prod-lb-1")
    assert pfx.properties.content_type == "application/x-pkcs12"
    key, cert, _ = pkcs12.load_key_and_certificates(base64.b64decode(pfx.value), None)
    assert key is not None
    assert cert.subject.rfc4514_string() == "CN=lb1.prod.contoso.com"
    pem = client.get_secret("tls-prod-ingress-1")
    assert pem.properties.content_type == "application/x-pem-file"
    serialization.load_pem_private_key(pem.value.encode(), None)
    assert x509.load_pem_x509_certificate(pem.value.encode()).subject.rfc4514_string() == "CN=ingress1.prod.contoso.com"


def test_update_secret_properties(secret_client, unique):
    name = unique("py-upd")
    created = secret_client.set_secret(name, "v")
    expires = dt.datetime.now(dt.timezone.utc).replace(microsecond=0) + dt.timedelta(days=30)
    updated = secret_client.update_secret_properties(
        name, created.properties.version, enabled=False, expires_on=expires, tags={"rotated": "no"}
    )
    assert updated.enabled is False
    assert updated.expires_on == expires
    assert updated.tags == {"rotated": "no"}
    assert updated.version == created.properties.version

    listed = {p.version: p for p in secret_client.list_properties_of_secret_versions(name)}
    assert listed[created.properties.version].enabled is False
    assert listed[created.properties.version].expires_on == expires

    # A disabled secret cannot be read.
    with pytest.raises(HttpResponseError) as info:
        secret_client.get_secret(name)
    assert info.value.status_code == 403

    again = secret_client.update_secret_properties(name, enabled=True)
    assert again.enabled is True
    assert again.tags == {"rotated": "no"}, "an update without tags keeps them"
    assert secret_client.get_secret(name).value == "v"


def test_value_over_25kb_is_400(secret_client, unique):
    with pytest.raises(HttpResponseError) as info:
        secret_client.set_secret(unique("py-big"), "x" * (25 * 1024 + 1))
    assert info.value.status_code == 400
    assert info.value.error.code == "BadParameter"
    # Exactly 25 KB is fine.
    ok = secret_client.set_secret(unique("py-25k"), "y" * (25 * 1024))
    assert len(ok.value) == 25 * 1024


def test_disabled_seeded_secret_is_403(secret_client_for):
    client = secret_client_for("kv-prod-api")
    with pytest.raises(HttpResponseError) as info:
        client.get_secret("tls-prod-retired-1")
    assert info.value.status_code == 403
    assert info.value.error.code == "Forbidden"


def test_managed_secret_cannot_be_overwritten(secret_client_for):
    with pytest.raises(HttpResponseError) as info:
        secret_client_for("kv-prod-api").set_secret("www-prod", "nope")
    assert info.value.status_code in (403, 409)


def test_delete_recover_purge_secret(secret_client, unique):
    name = unique("py-del")
    secret_client.set_secret(name, "keep-me")
    deleted = secret_client.begin_delete_secret(name).result()
    assert deleted.name == name
    assert deleted.recovery_id == f"{secret_client.vault_url}/deletedsecrets/{name}"
    assert deleted.scheduled_purge_date > deleted.deleted_date
    with pytest.raises(ResourceNotFoundError):
        secret_client.get_secret(name)
    assert name in {d.name for d in secret_client.list_deleted_secrets()}
    assert secret_client.get_deleted_secret(name).name == name

    recovered = secret_client.begin_recover_deleted_secret(name).result()
    assert recovered.name == name
    assert secret_client.get_secret(name).value == "keep-me"

    secret_client.begin_delete_secret(name).wait()
    secret_client.purge_deleted_secret(name)
    with pytest.raises(ResourceNotFoundError):
        secret_client.get_deleted_secret(name)
    # Purged: the name is free again.
    assert secret_client.set_secret(name, "again").value == "again"


def test_managed_secret_cannot_be_deleted_directly(secret_client_for):
    with pytest.raises(HttpResponseError) as info:
        secret_client_for("kv-prod-api").begin_delete_secret("www-prod")
    assert info.value.status_code == 403
