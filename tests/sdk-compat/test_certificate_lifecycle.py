"""Beyond the numbered scenarios: properties, policy, soft delete / recover / purge, and a
certificate issued by an integrated CA (DigiCert provider) through the SDK's poller."""

import base64

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.keyvault.certificates import CertificatePolicy, KeyType, KeyVaultCertificate
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12


def test_update_properties_and_policy(cert_client, secret_client, unique):
    name = unique("py-props")
    cert = cert_client.begin_create_certificate(name, CertificatePolicy.get_default()).result()
    assert cert.policy.issuer_name == "Self"
    assert cert.policy.subject == "CN=DefaultPolicy"
    assert cert.policy.validity_in_months == 12

    updated = cert_client.update_certificate_properties(name, enabled=False, tags={"env": "test"})
    assert updated.properties.enabled is False
    assert updated.properties.tags == {"env": "test"}
    assert updated.properties.version == cert.properties.version
    # Disabling the certificate disables its managed secret.
    with pytest.raises(HttpResponseError) as info:
        secret_client.get_secret(name)
    assert info.value.status_code == 403

    policy = cert_client.update_certificate_policy(
        name, CertificatePolicy(issuer_name="Self", subject="CN=changed.contoso.com", validity_in_months=3)
    )
    assert policy.subject == "CN=changed.contoso.com"
    assert policy.validity_in_months == 3
    assert policy.key_type == KeyType.rsa, "fields the update does not name are kept"
    assert cert_client.get_certificate_policy(name).subject == "CN=changed.contoso.com"

    # A new version follows the updated policy.
    enabled_again = cert_client.begin_create_certificate(name, cert_client.get_certificate_policy(name)).result()
    x = x509.load_der_x509_certificate(bytes(enabled_again.cer))
    assert x.subject.rfc4514_string() == "CN=changed.contoso.com"
    assert enabled_again.properties.version != cert.properties.version
    assert len(list(cert_client.list_properties_of_certificate_versions(name))) == 2


def test_delete_recover_purge(cert_client, secret_client, unique):
    name = unique("py-delete")
    cert_client.begin_create_certificate(name, CertificatePolicy.get_default()).result()

    deleted = cert_client.begin_delete_certificate(name).result()
    assert deleted.name == name
    assert deleted.recovery_id == f"{cert_client.vault_url}/deletedcertificates/{name}"
    assert deleted.scheduled_purge_date > deleted.deleted_on
    with pytest.raises(ResourceNotFoundError):
        cert_client.get_certificate(name)
    with pytest.raises(ResourceNotFoundError):
        secret_client.get_secret(name)
    assert name in {d.name for d in cert_client.list_deleted_certificates()}
    assert cert_client.get_deleted_certificate(name).name == name

    # The name is reserved while the certificate is soft-deleted.
    with pytest.raises(HttpResponseError) as info:
        cert_client.begin_create_certificate(name, CertificatePolicy.get_default())
    assert info.value.status_code == 409

    recovered = cert_client.begin_recover_deleted_certificate(name).result()
    assert isinstance(recovered, KeyVaultCertificate)
    assert cert_client.get_certificate(name).properties.version == recovered.properties.version
    assert secret_client.get_secret(name).properties.content_type == "application/x-pkcs12"

    cert_client.begin_delete_certificate(name).wait()
    cert_client.purge_deleted_certificate(name)
    with pytest.raises(ResourceNotFoundError):
        cert_client.get_deleted_certificate(name)


def test_integrated_ca_issuer_completes_through_the_poller(cert_client, secret_client, unique):
    name = unique("py-digicert")
    policy = CertificatePolicy(issuer_name="digicert-ov", subject=f"CN={name}.contoso.com", san_dns_names=[f"{name}.contoso.com"])
    poller = cert_client.begin_create_certificate(name, policy)
    assert poller.status() == "inprogress"
    cert = poller.result()  # the CA takes 3 s; the SDK polls every 5 s
    assert isinstance(cert, KeyVaultCertificate)
    assert cert_client.get_certificate_operation(name).status.lower() == "completed"
    leaf = x509.load_der_x509_certificate(bytes(cert.cer))
    assert leaf.issuer != leaf.subject
    assert "DigiCert" in leaf.issuer.rfc4514_string()

    secret = secret_client.get_secret(name)
    key, cert_in_pfx, chain = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
    assert cert_in_pfx == leaf
    assert [c.subject for c in chain] == [leaf.issuer], "the PFX carries the issuing CA"
    assert leaf.verify_directly_issued_by(chain[0]) is None


def test_failed_issuance_returns_the_failed_operation(emulator, cert_client, unique):
    saved = emulator.admin("GET", "providers")
    emulator.admin("PUT", "providers", {"providers": {"GlobalSign": {"delay_secs": 0, "fail": True}}})
    try:
        name = unique("py-fail")
        result = cert_client.begin_create_certificate(
            name, CertificatePolicy(issuer_name="globalsign-ev", subject=f"CN={name}.contoso.com")
        ).result()
    finally:
        emulator.admin("PUT", "providers", {"providers": saved["providers"]})
    # The poller hands back the operation (not a certificate) when issuance did not complete.
    from azure.keyvault.certificates import CertificateOperation

    assert isinstance(result, CertificateOperation)
    assert result.status.lower() == "failed"
    assert result.issuer_name == "globalsign-ev"
    assert result.error is not None
    assert result.error.code and result.error.message
    assert cert_client.get_certificate_operation(name).status.lower() == "failed"
    assert emulator.admin("GET", "providers") == saved


def test_completed_operation_and_recovery_attributes(cert_client, unique):
    name = unique("py-op")
    cert = cert_client.begin_create_certificate(name, CertificatePolicy.get_default()).result()
    op = cert_client.get_certificate_operation(name)
    assert op.status.lower() == "completed"
    assert op.target == f"{cert_client.vault_url}/certificates/{name}"
    assert op.issuer_name == "Self"
    assert op.request_id
    assert op.id == f"{cert_client.vault_url}/certificates/{name}/pending"
    assert cert.properties.recovery_level == "Recoverable+Purgeable"
    assert cert.properties.recoverable_days == 90
