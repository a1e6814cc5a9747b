"""Scenario 3: begin_create_certificate with a full policy, checked down to the X.509 bytes."""

import base64
import calendar
import datetime as dt
import hashlib
import ipaddress

import pytest
from azure.keyvault.certificates import (
    CertificateContentType,
    CertificatePolicy,
    CertificatePolicyAction,
    KeyCurveName,
    KeyType,
    KeyUsageType,
    KeyVaultCertificate,
    LifetimeAction,
    WellKnownIssuerNames,
)
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SUBJECT = "CN=py.contoso.com, O=Contoso, OU=QA, L=Delft, ST=ZH, C=NL"
DNS = ["py.contoso.com", "www.py.contoso.com"]
EMAILS = ["pki@contoso.com"]
UPNS = ["svc-py@contoso.com"]
IPS = ["10.1.2.3", "2001:db8::1"]
EKUS = [ExtendedKeyUsageOID.SERVER_AUTH.dotted_string, ExtendedKeyUsageOID.CLIENT_AUTH.dotted_string]
UPN_OID = x509.ObjectIdentifier("1.3.6.1.4.1.311.20.2.3")


def add_months(t: dt.datetime, months: int) -> dt.datetime:
    total = t.year * 12 + (t.month - 1) + months
    year, month = divmod(total, 12)
    day = min(t.day, calendar.monthrange(year, month + 1)[1])
    return t.replace(year=year, month=month + 1, day=day)


def full_policy(**key) -> CertificatePolicy:
    return CertificatePolicy(
        issuer_name=WellKnownIssuerNames.self,
        subject=SUBJECT,
        san_dns_names=DNS,
        san_emails=EMAILS,
        san_user_principal_names=UPNS,
        san_ip_addresses=IPS,
        exportable=True,
        reuse_key=False,
        enhanced_key_usage=EKUS,
        validity_in_months=6,
        content_type=CertificateContentType.pkcs12,
        lifetime_actions=[LifetimeAction(CertificatePolicyAction.email_contacts, lifetime_percentage=75)],
        **key,
    )


def check_common(cert: KeyVaultCertificate, name: str, key_usage: dict) -> x509.Certificate:
    assert isinstance(cert, KeyVaultCertificate)
    assert cert.name == name
    assert cert.properties.enabled is True
    assert cert.cer, "the bundle carries the DER certificate"
    der = bytes(cert.cer)
    x = x509.load_der_x509_certificate(der)

    # Subject: every attribute the policy named.
    def attr(oid):
        return [a.value for a in x.subject.get_attributes_for_oid(oid)]

    assert attr(NameOID.COMMON_NAME) == ["py.contoso.com"]
    assert attr(NameOID.ORGANIZATION_NAME) == ["Contoso"]
    assert attr(NameOID.ORGANIZATIONAL_UNIT_NAME) == ["QA"]
    assert attr(NameOID.LOCALITY_NAME) == ["Delft"]
    assert attr(NameOID.STATE_OR_PROVINCE_NAME) == ["ZH"]
    assert attr(NameOID.COUNTRY_NAME) == ["NL"]
    assert x.issuer == x.subject, "issuer Self means self-signed"

    # SANs.
    san = x.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(san.get_values_for_type(x509.DNSName)) == sorted(DNS)
    assert san.get_values_for_type(x509.RFC822Name) == EMAILS
    assert {str(i) for i in san.get_values_for_type(x509.IPAddress)} == {str(ipaddress.ip_address(i)) for i in IPS}
    upns = [o for o in san.get_values_for_type(x509.OtherName) if o.type_id == UPN_OID]
    assert len(upns) == 1
    # OtherName value is the DER of the inner UTF8String.
    assert upns[0].value == b"\x0c" + bytes([len(UPNS[0])]) + UPNS[0].encode()

    # Key usage: critical, exactly the requested bits.
    ku_ext = x.extensions.get_extension_for_class(x509.KeyUsage)
    assert ku_ext.critical is True
    ku = ku_ext.value
    for bit in ("digital_signature", "content_commitment", "key_encipherment", "data_encipherment",
                "key_agreement", "key_cert_sign", "crl_sign"):
        assert getattr(ku, bit) is key_usage.get(bit, False), bit

    eku = x.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert [o.dotted_string for o in eku] == EKUS

    bc = x.extensions.get_extension_for_class(x509.BasicConstraints)
    assert bc.value.ca is False

    ski = x.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    aki = x.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    assert ski.digest and aki.key_identifier
    assert aki.key_identifier == ski.digest, "self-signed: AKI names its own key"

    # Serial: positive, about 16 random bytes.
    assert x.serial_number > 0
    assert 100 <= x.serial_number.bit_length() <= 128

    # Validity: not_before = created - 10 min, not_after = +6 calendar months.
    created = cert.properties.created_on
    assert abs((created - x.not_valid_before_utc).total_seconds() - 600) <= 5
    expected_end = add_months(x.not_valid_before_utc + dt.timedelta(seconds=600), 6)
    assert abs((x.not_valid_after_utc - expected_end).total_seconds()) <= 5
    assert cert.properties.not_before == x.not_valid_before_utc
    assert cert.properties.expires_on == x.not_valid_after_utc

    # x5t: base64url(SHA-1(DER)); the SDK decodes it to bytes.
    assert cert.properties.x509_thumbprint == hashlib.sha1(der).digest()

    # The policy comes back as sent.
    p = cert.policy
    assert p.issuer_name == "Self"
    assert p.subject == SUBJECT
    assert sorted(p.san_dns_names) == sorted(DNS)
    assert p.san_emails == EMAILS
    assert p.san_user_principal_names == UPNS
    assert sorted(p.san_ip_addresses) == sorted(IPS)
    assert p.validity_in_months == 6
    assert p.enhanced_key_usage == EKUS
    assert p.content_type == CertificateContentType.pkcs12
    assert len(p.lifetime_actions) == 1
    assert p.lifetime_actions[0].action == CertificatePolicyAction.email_contacts
    assert p.lifetime_actions[0].lifetime_percentage == 75
    return x


def test_create_self_signed_rsa_3072(cert_client, unique):
    name = unique("py-rsa")
    policy = full_policy(
        key_type=KeyType.rsa,
        key_size=3072,
        key_usage=[KeyUsageType.digital_signature, KeyUsageType.key_encipherment],
    )
    cert = cert_client.begin_create_certificate(name, policy).result()
    x = check_common(cert, name, {"digital_signature": True, "key_encipherment": True})
    pub = x.public_key()
    assert isinstance(pub, rsa.RSAPublicKey)
    assert pub.key_size == 3072
    assert cert.policy.key_type == KeyType.rsa
    assert cert.policy.key_size == 3072
    assert cert.policy.exportable is True
    assert cert.policy.reuse_key is False

    # The same certificate reads back through get_certificate, and the id names the version.
    again = cert_client.get_certificate(name)
    assert bytes(again.cer) == bytes(cert.cer)
    assert again.id == f"{cert_client.vault_url}/certificates/{name}/{again.properties.version}"
    assert again.secret_id.endswith(f"/secrets/{name}/{again.properties.version}")
    assert again.key_id.endswith(f"/keys/{name}/{again.properties.version}")


def test_create_self_signed_ec_p384(cert_client, unique):
    name = unique("py-ec")
    policy = full_policy(
        key_type=KeyType.ec,
        key_curve_name=KeyCurveName.p_384,
        key_usage=[KeyUsageType.digital_signature, KeyUsageType.key_agreement],
    )
    cert = cert_client.begin_create_certificate(name, policy).result()
    x = check_common(cert, name, {"digital_signature": True, "key_agreement": True})
    pub = x.public_key()
    assert isinstance(pub, ec.EllipticCurvePublicKey)
    assert pub.curve.name == "secp384r1"
    assert cert.policy.key_type == KeyType.ec
    assert cert.policy.key_curve_name == KeyCurveName.p_384
    assert cert.policy.key_size in (None, 384)


def test_create_without_subject_or_san_is_refused_by_the_sdk(cert_client, unique):
    # A client-side check: documents that the SDK, not the service, refuses it.
    with pytest.raises(ValueError):
        cert_client.begin_create_certificate(unique("py-empty"), CertificatePolicy(issuer_name="Self"))
