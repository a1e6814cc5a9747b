"""Scenario 8: import_certificate with a password-protected PFX and with PEM, then read it back."""

import base64
import datetime as dt

import pytest
from azure.keyvault.certificates import CertificateContentType, CertificatePolicy, KeyType, WellKnownIssuerNames
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PFX_PASSWORD = "imp0rt-Pa55!"


def self_signed(key, cn: str, days: int = 200) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn), x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Contoso")])
    now = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


def test_import_password_protected_pfx(cert_client, secret_client, unique):
    name = unique("py-import-pfx")
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = self_signed(key, f"{name}.contoso.com")
    pfx = pkcs12.serialize_key_and_certificates(
        b"imported", key, cert, None, serialization.BestAvailableEncryption(PFX_PASSWORD.encode())
    )
    imported = cert_client.import_certificate(name, pfx, password=PFX_PASSWORD, tags={"source": "python"})
    assert imported.name == name
    assert bytes(imported.cer) == der(cert)
    assert imported.properties.tags == {"source": "python"}
    assert imported.properties.not_before == cert.not_valid_before_utc
    assert imported.properties.expires_on == cert.not_valid_after_utc
    assert imported.policy.key_type == KeyType.rsa
    assert imported.policy.key_size == 2048
    assert imported.policy.content_type == CertificateContentType.pkcs12
    assert imported.policy.subject and f"CN={name}.contoso.com" in imported.policy.subject

    got = cert_client.get_certificate(name)
    assert bytes(got.cer) == der(cert)
    assert got.properties.version == imported.properties.version

    # The managed secret: a PFX without password holding the same key and certificate.
    secret = secret_client.get_secret(name)
    assert secret.properties.content_type == "application/x-pkcs12"
    assert secret.properties.managed is True
    assert secret.properties.key_id.endswith(f"/keys/{name}/{imported.properties.version}")
    assert secret.properties.version == imported.properties.version
    k, c, extra = pkcs12.load_key_and_certificates(base64.b64decode(secret.value), None)
    assert der(c) == der(cert)
    assert k.private_numbers() == key.private_numbers()
    assert extra == []


def test_import_pfx_with_wrong_password_is_400(cert_client, unique):
    from azure.core.exceptions import HttpResponseError

    key = ec.generate_private_key(ec.SECP256R1())
    pfx = pkcs12.serialize_key_and_certificates(
        b"x", key, self_signed(key, "wrong.contoso.com"), None, serialization.BestAvailableEncryption(b"right")
    )
    with pytest.raises(HttpResponseError) as info:
        cert_client.import_certificate(unique("py-import-badpw"), pfx, password="wrong")
    assert info.value.status_code == 400
    assert info.value.error.code == "BadParameter"


def test_import_pem(cert_client, secret_client, unique):
    name = unique("py-import-pem")
    key = ec.generate_private_key(ec.SECP384R1())
    cert = self_signed(key, f"{name}.contoso.com")
    pem = cert.public_bytes(serialization.Encoding.PEM) + key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    # As in the SDK's import_certificate sample: a policy with content type PEM.
    policy = CertificatePolicy(issuer_name=WellKnownIssuerNames.self, content_type=CertificateContentType.pem)
    imported = cert_client.import_certificate(name, pem, policy=policy)
    assert bytes(imported.cer) == der(cert)
    assert imported.policy.content_type == CertificateContentType.pem
    assert imported.policy.key_type == KeyType.ec

    got = cert_client.get_certificate(name)
    assert bytes(got.cer) == der(cert)

    secret = secret_client.get_secret(name)
    assert secret.properties.content_type == "application/x-pem-file"
    assert "-----BEGIN CERTIFICATE-----" in secret.value
    loaded_key = serialization.load_pem_private_key(secret.value.encode(), None)
    assert loaded_key.private_numbers() == key.private_numbers()
    assert x509.load_pem_x509_certificate(secret.value.encode()) == cert
