"""Scenarios 5-7: issuer Unknown (CSR + merge), cancelling a CA request, and 409 while pending."""

import datetime as dt
import time

import pytest
from azure.core.exceptions import HttpResponseError, ResourceExistsError, ResourceNotFoundError
from azure.keyvault.certificates import (
    CertificateOperation,
    CertificatePolicy,
    KeyType,
    KeyVaultCertificate,
    WellKnownIssuerNames,
)
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def unknown_policy(cn: str) -> CertificatePolicy:
    return CertificatePolicy(
        issuer_name=WellKnownIssuerNames.unknown,
        subject=f"CN={cn}, O=Contoso, C=NL",
        san_dns_names=[cn],
        key_type=KeyType.rsa,
        key_size=2048,
        validity_in_months=12,
    )


def make_ca():
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Python SDK Test CA"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "certkeep tests")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def sign_leaf(ca_key, ca_cert, subject: x509.Name, public_key, dns: list[str]) -> x509.Certificate:
    now = dt.datetime.now(dt.timezone.utc)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=90))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(d) for d in dns]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_unknown_issuer_csr_then_merge(cert_client, secret_client, unique):
    name = unique("py-merge")
    cn = f"{name}.contoso.com"
    result = cert_client.begin_create_certificate(name, unknown_policy(cn)).result()
    # With issuer Unknown the poller stops at once and hands back the pending operation.
    assert isinstance(result, CertificateOperation)
    assert result.status.lower() == "inprogress"
    assert result.issuer_name == "Unknown"

    op = cert_client.get_certificate_operation(name)
    assert op.status.lower() == "inprogress"
    assert op.csr, "a pending Unknown-issuer request exposes its CSR"
    csr = x509.load_der_x509_csr(bytes(op.csr))
    assert csr.is_signature_valid
    assert csr.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == cn
    assert isinstance(csr.public_key(), rsa.RSAPublicKey)
    assert csr.public_key().key_size == 2048

    ca_key, ca_cert = make_ca()
    leaf = sign_leaf(ca_key, ca_cert, csr.subject, csr.public_key(), [cn])
    merged = cert_client.merge_certificate(name, [der(leaf), der(ca_cert)])
    assert isinstance(merged, KeyVaultCertificate)
    assert bytes(merged.cer) == der(leaf)

    got = cert_client.get_certificate(name)
    assert bytes(got.cer) == der(leaf)
    assert got.properties.version == merged.properties.version
    assert got.properties.expires_on == leaf.not_valid_after_utc
    assert got.policy.issuer_name == "Unknown"
    assert cert_client.get_certificate_operation(name).status.lower() == "completed"

    # The managed secret now holds key + chain: the private key matches the merged leaf.
    from cryptography.hazmat.primitives.serialization import pkcs12
    import base64

    secret = secret_client.get_secret(name)
    assert secret.properties.content_type == "application/x-pkcs12"
    key, cert, extra = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
    assert der(cert) == der(leaf)
    assert key.public_key().public_numbers() == csr.public_key().public_numbers()
    assert [der(c) for c in extra] == [der(ca_cert)]


def test_merge_with_a_different_key_is_400(cert_client, unique):
    name = unique("py-merge-bad")
    cn = f"{name}.contoso.com"
    cert_client.begin_create_certificate(name, unknown_policy(cn)).result()
    ca_key, ca_cert = make_ca()
    other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    wrong = sign_leaf(ca_key, ca_cert, subject, other_key.public_key(), [cn])
    with pytest.raises(HttpResponseError) as info:
        cert_client.merge_certificate(name, [der(wrong), der(ca_cert)])
    assert info.value.status_code == 400
    assert info.value.error.code == "BadParameter"
    # The request is still pending and can be dropped.
    assert cert_client.get_certificate_operation(name).status.lower() == "inprogress"
    deleted = cert_client.delete_certificate_operation(name)
    assert deleted.id.endswith(f"/certificates/{name}/pending")
    with pytest.raises(ResourceNotFoundError):
        cert_client.get_certificate_operation(name)


def test_cancel_ca_request(emulator, cert_client, unique):
    name = unique("py-cancel")
    policy = CertificatePolicy(issuer_name="digicert-ov", subject=f"CN={name}.contoso.com", validity_in_months=12)
    poller = cert_client.begin_create_certificate(name, policy)
    assert poller.status() == "inprogress"
    cancelled = cert_client.cancel_certificate_operation(name)
    assert cancelled.cancellation_requested is True
    assert cancelled.issuer_name == "digicert-ov"

    deadline = time.monotonic() + 20
    op = cert_client.get_certificate_operation(name)
    while op.status.lower() == "inprogress" and time.monotonic() < deadline:
        time.sleep(0.5)
        op = cert_client.get_certificate_operation(name)
    assert op.status.lower() == "cancelled"
    assert op.cancellation_requested is True

    # No certificate came of it: the object has no X.509 content and is not enabled.
    partial = cert_client.get_certificate(name)
    assert partial.cer is None
    assert partial.properties.enabled is False
    assert all(v.x509_thumbprint is None for v in cert_client.list_properties_of_certificate_versions(name))

    deleted = cert_client.delete_certificate_operation(name)
    assert deleted.status.lower() == "cancelled"
    with pytest.raises(ResourceNotFoundError):
        cert_client.get_certificate_operation(name)


def test_second_create_while_pending_is_409(cert_client, unique):
    name = unique("py-conflict")
    cert_client.begin_create_certificate(name, unknown_policy(f"{name}.contoso.com")).result()
    with pytest.raises(HttpResponseError) as info:
        cert_client.begin_create_certificate(name, unknown_policy(f"{name}.contoso.com"))
    assert info.value.status_code == 409
    assert isinstance(info.value, ResourceExistsError)
    cert_client.delete_certificate_operation(name)
