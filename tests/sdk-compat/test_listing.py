"""Scenario 4: paging through certificates and certificate versions (maxresults ≤ 25, nextLink)."""

import pytest

from conftest import CLIENT_ID, TENANT_ID

DEMO_CERTS_PROD = sorted(
    f"{n}-prod"
    for n in ["www", "api", "login", "portal", "mail", "vpn", "intranet", "shop", "cdn", "grafana", "payments", "partner-sso"]
)

# A subscription and vault of our own, so the seed does not touch the demo estate.
VERSIONS_SUBSCRIPTION = "5e9a1c3d-7b2f-4e8a-9d6c-1f3b5a7c9e02"
VERSIONS_VAULT = "kv-py-versions"
VERSIONS = 60


@pytest.fixture(scope="module")
def versions_vault(emulator):
    seed = {
        "tenants": [{"id": TENANT_ID}],
        "subscriptions": [{
            "id": VERSIONS_SUBSCRIPTION,
            "tenant": TENANT_ID,
            "name": "Python SDK paging",
            "readers": [CLIENT_ID],
            "vaults": [{
                "name": VERSIONS_VAULT,
                "resource_group": "rg-py",
                "access": [CLIENT_ID],
                "certificates": [{
                    "name": "many-versions",
                    "policy": {
                        "key_props": {"kty": "EC", "crv": "P-256"},
                        "x509_props": {"subject": "CN=many.contoso.com", "validity_months": 12},
                        "issuer": {"name": "Self"},
                    },
                    "versions": [{"created_days_ago": 600 - i * 10, "validity_days": 365} for i in range(VERSIONS)],
                }],
            }],
        }],
    }
    summary = emulator.admin("POST", "seed", seed)
    assert summary["certificate_versions"] == VERSIONS
    return VERSIONS_VAULT


def test_list_certificates_across_pages(emulator, cert_client_for):
    client = cert_client_for("kv-prod-api")  # nobody creates certificates here
    client.get_certificate("api-prod")  # the challenge round trip happens here, not in the count
    emulator.reset_counters()
    props = list(client.list_properties_of_certificates(max_page_size=5))
    names = [p.name for p in props]
    assert sorted(names) == DEMO_CERTS_PROD
    assert len(set(names)) == len(names)
    assert emulator.counters()["by_route"]["kv.certificates.list"] == 3  # 5 + 5 + 2
    for p in props:
        assert p.id == f"{client.vault_url}/certificates/{p.name}"
        assert p.version is None
        assert p.x509_thumbprint and len(p.x509_thumbprint) == 20
        assert p.expires_on > p.not_before
        assert p.enabled is True


def test_list_certificates_by_pages(cert_client_for):
    pages = list(cert_client_for("kv-prod-api").list_properties_of_certificates(max_page_size=7).by_page())
    sizes = [len(list(p)) for p in pages]
    assert sizes == [7, 5]


def test_max_page_size_above_25_is_rejected(cert_client_for):
    from azure.core.exceptions import HttpResponseError

    with pytest.raises(HttpResponseError) as info:
        list(cert_client_for("kv-prod-api").list_properties_of_certificates(max_page_size=26))
    assert info.value.status_code == 400
    assert info.value.error.code == "BadParameter"


def test_include_pending_lists_the_pending_request(cert_client_for):
    client = cert_client_for("kv-stg-web")
    with_pending = {p.name for p in client.list_properties_of_certificates(include_pending=True)}
    without = {p.name for p in client.list_properties_of_certificates()}
    assert "partner-portal" in with_pending
    assert "partner-portal" not in without
    assert with_pending - without == {"partner-portal"}


def test_demo_certificate_versions(cert_client_for):
    client = cert_client_for("kv-prod-api")
    versions = list(client.list_properties_of_certificate_versions("vpn-prod", max_page_size=4))
    assert len(versions) == 6
    assert len({v.version for v in versions}) == 6
    current = client.get_certificate("vpn-prod")
    assert current.properties.version in {v.version for v in versions}
    for v in versions:
        assert v.name == "vpn-prod"
        assert v.id == f"{client.vault_url}/certificates/vpn-prod/{v.version}"
        got = client.get_certificate_version("vpn-prod", v.version)
        assert got.properties.x509_thumbprint == v.x509_thumbprint


def test_sixty_versions_across_pages(emulator, cert_client_for, versions_vault):
    client = cert_client_for(versions_vault)
    client.get_certificate("many-versions")  # the challenge round trip happens here, not in the count
    emulator.reset_counters()
    versions = list(client.list_properties_of_certificate_versions("many-versions"))
    assert len(versions) == VERSIONS
    assert len({v.version for v in versions}) == VERSIONS
    assert len({v.x509_thumbprint for v in versions}) == VERSIONS, "every version is a distinct certificate"
    assert emulator.counters()["by_route"]["kv.certificates.versions"] == 3  # 25 + 25 + 10

    pages = [list(p) for p in client.list_properties_of_certificate_versions("many-versions", max_page_size=25).by_page()]
    assert [len(p) for p in pages] == [25, 25, 10]

    # The current version is the newest one.
    current = client.get_certificate("many-versions")
    newest = max(versions, key=lambda v: v.created_on)
    assert current.properties.version == newest.version
