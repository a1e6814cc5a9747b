"""A certificate requested through the real `certkeep` CLI, read back with the official SDK.

`certkeep cert request ... --wait` runs against the shared emulator (a custom cloud in a config
file, as `certkeep demo` writes it); then `CertificateClient.get_certificate` and
`get_certificate_policy` must show the policy that was asked for, the tags Certkeep adds
(`owner` = the contact e-mail, `certkeep-request` = the request id), the contact added to the
vault, and an issued X.509 certificate (parsed with `cryptography`) that matches the request.
"""

import calendar
import datetime as dt
import hashlib
import uuid

import pytest
from azure.keyvault.certificates import (
    CertificateContentType,
    CertificatePolicyAction,
    KeyCurveName,
    KeyType,
    KeyUsageType,
    WellKnownIssuerNames,
)
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VAULT = "kv-prod-web"
CN = "ck-requested.contoso.com"
DNS = [CN, "www.ck-requested.contoso.com"]
SAN_EMAIL = "pki-requested@contoso.com"
OWNER = "owner-requested@contoso.com"


def add_months(t: dt.datetime, months: int) -> dt.datetime:
    total = t.year * 12 + (t.month - 1) + months
    year, month = divmod(total, 12)
    day = min(t.day, calendar.monthrange(year, month + 1)[1])
    return t.replace(year=year, month=month + 1, day=day)


@pytest.fixture(scope="module")
def requested(certkeep, emulator):
    """(name, the CLI's JSON answer) of one `cert request --wait`."""
    name = f"ck-requested-{uuid.uuid4().hex[:10]}"
    emulator.reset_counters()
    answer = certkeep.json(
        "cert", "request",
        "--vault", VAULT,
        "--name", name,
        "--cn", CN,
        "--san", ",".join(DNS + [f"email:{SAN_EMAIL}"]),
        "--email", OWNER,
        "--key", "ec:p-384",
        "--validity-months", "6",
        "--lifetime-action", "email-contacts",
        "--days-before-expiry", "20",
        "--key-usage", "digitalSignature",
        "--eku", "serverAuth",
        "--content-type", "pem",
        "--tag", "team=x",
        "--wait",
    )
    counters = emulator.counters()
    return name, answer, counters


def test_the_cli_reports_the_request_completed(requested):
    name, answer, counters = requested
    assert answer["certificate"] == name
    assert answer["vault"] == VAULT
    assert answer["kind"] == "request"
    assert answer["issuer"] == "Self"
    assert answer["status"] == "completed", answer
    assert answer["error"] is None
    assert answer["version"], answer
    # One create, sent once; the contact added once; nothing deleted.
    routes = counters["by_route"]
    assert routes.get("kv.certificates.create") == 1, routes
    assert routes.get("kv.contacts.set") == 1, routes
    assert not [r for r in routes if r.endswith(".delete")], routes


def test_sdk_reads_the_certificate_certkeep_requested(requested, cert_client_for):
    name, answer, _ = requested
    cert = cert_client_for(VAULT).get_certificate(name)
    assert cert.name == name
    assert cert.properties.version == answer["version"]
    assert cert.properties.enabled is True
    tags = cert.properties.tags or {}
    assert tags.get("team") == "x"
    assert tags.get("owner") == OWNER, "the contact e-mail is the owner tag"
    assert tags.get("certkeep-request") == answer["id"], "the version carries its request id"
    assert set(tags) == {"team", "owner", "certkeep-request"}, tags

    der = bytes(cert.cer)
    assert cert.properties.x509_thumbprint == hashlib.sha1(der).digest()
    x = x509.load_der_x509_certificate(der)
    assert [a.value for a in x.subject.get_attributes_for_oid(NameOID.COMMON_NAME)] == [CN]
    assert len(x.subject) == 1, x.subject.rfc4514_string()
    assert x.issuer == x.subject, "issuer Self means self-signed"
    san = x.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert sorted(san.get_values_for_type(x509.DNSName)) == sorted(DNS)
    assert san.get_values_for_type(x509.RFC822Name) == [SAN_EMAIL]
    key = x.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert isinstance(key.curve, ec.SECP384R1)
    ku = x.extensions.get_extension_for_class(x509.KeyUsage).value
    assert ku.digital_signature
    assert not any(
        [ku.key_encipherment, ku.content_commitment, ku.data_encipherment, ku.key_agreement,
         ku.key_cert_sign, ku.crl_sign]
    ), ku
    eku = x.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    # Six months from issuance (Key Vault back-dates notBefore by 10 minutes).
    expected_end = add_months(x.not_valid_before_utc + dt.timedelta(seconds=600), 6)
    assert abs((x.not_valid_after_utc - expected_end).total_seconds()) <= 5
    assert cert.properties.not_before == x.not_valid_before_utc
    assert cert.properties.expires_on == x.not_valid_after_utc


def test_sdk_reads_the_policy_that_was_asked_for(requested, cert_client_for):
    name, _, _ = requested
    p = cert_client_for(VAULT).get_certificate_policy(name)
    assert p.issuer_name == WellKnownIssuerNames.self
    assert p.subject == f"CN={CN}"
    assert sorted(p.san_dns_names or []) == sorted(DNS)
    assert p.san_emails == [SAN_EMAIL]
    assert not p.san_user_principal_names
    assert not p.san_ip_addresses
    assert p.key_type == KeyType.ec
    assert p.key_curve_name == KeyCurveName.p_384
    assert p.exportable is True
    assert p.reuse_key is False
    assert p.content_type == CertificateContentType.pem
    assert p.validity_in_months == 6
    assert p.key_usage == [KeyUsageType.digital_signature]
    assert p.enhanced_key_usage == [ExtendedKeyUsageOID.SERVER_AUTH.dotted_string]
    assert len(p.lifetime_actions) == 1, p.lifetime_actions
    action = p.lifetime_actions[0]
    assert action.action == CertificatePolicyAction.email_contacts
    assert action.days_before_expiry == 20
    assert action.lifetime_percentage is None


def test_the_owner_is_a_vault_contact(requested, cert_client_for):
    contacts = [c.email for c in cert_client_for(VAULT).get_contacts()]
    assert OWNER in contacts, contacts
    # Existing contacts are kept.
    assert "pki-prod@contoso.com" in contacts, contacts


def test_pem_content_type_gives_a_pem_secret(requested, secret_client_for):
    name, answer, _ = requested
    secret = secret_client_for(VAULT).get_secret(name)
    assert secret.properties.content_type == "application/x-pem-file"
    assert secret.properties.version == answer["version"]
    assert "-----BEGIN CERTIFICATE-----" in secret.value
    assert "PRIVATE KEY-----" in secret.value, "exportable: the PEM secret holds the key"
