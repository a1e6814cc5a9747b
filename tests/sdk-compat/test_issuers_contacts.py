"""Scenario 10: certificate issuers CRUD and certificate contacts."""

import pytest
from azure.core.exceptions import ResourceNotFoundError
from azure.keyvault.certificates import AdministratorContact, CertificateContact


def test_demo_issuers_are_listed(cert_client_for):
    client = cert_client_for("kv-prod-api")
    issuers = {i.name: i for i in client.list_properties_of_issuers()}
    assert issuers["digicert-ov"].provider == "DigiCert"
    assert issuers["globalsign-ev"].provider == "GlobalSign"
    got = client.get_issuer("digicert-ov")
    assert got.provider == "DigiCert"
    assert got.account_id == "contoso-digicert"
    assert got.enabled is True


def test_issuer_crud(cert_client_for, unique):
    client = cert_client_for("kv-prod-shared")
    name = unique("py-issuer")
    admins = [AdministratorContact(first_name="Ada", last_name="Lovelace", email="ada@contoso.com", phone="+31 20 000 0000")]
    created = client.create_issuer(
        name, "DigiCert", account_id="py-account", password="py-password", organization_id="org-42",
        admin_contacts=admins, enabled=True,
    )
    assert created.name == name
    assert created.provider == "DigiCert"
    assert created.account_id == "py-account"
    assert created.organization_id == "org-42"
    assert created.enabled is True
    assert created.id == f"{client.vault_url}/certificates/issuers/{name}"
    assert len(created.admin_contacts) == 1
    admin = created.admin_contacts[0]
    assert (admin.first_name, admin.last_name, admin.email, admin.phone) == ("Ada", "Lovelace", "ada@contoso.com", "+31 20 000 0000")
    assert created.created_on is not None

    got = client.get_issuer(name)
    assert got.provider == "DigiCert"
    assert got.account_id == "py-account"
    assert got.organization_id == "org-42"

    assert name in {i.name for i in client.list_properties_of_issuers()}

    updated = client.update_issuer(name, enabled=False, account_id="py-account-2")
    assert updated.enabled is False
    assert updated.account_id == "py-account-2"
    assert updated.provider == "DigiCert", "an update keeps what it does not name"
    assert updated.organization_id == "org-42"
    assert client.get_issuer(name).enabled is False

    deleted = client.delete_issuer(name)
    assert deleted.name == name
    with pytest.raises(ResourceNotFoundError):
        client.get_issuer(name)
    assert name not in {i.name for i in client.list_properties_of_issuers()}


def test_vault_without_contacts_is_404(cert_client_for):
    with pytest.raises(ResourceNotFoundError):
        cert_client_for("kv-prod-api").get_contacts()


def test_contacts_set_get_delete(cert_client_for):
    client = cert_client_for("kv-stg-legacy")
    existing = client.get_contacts()
    assert [c.email for c in existing] == ["pki-staging@contoso.com"]

    wanted = [
        CertificateContact(email="alice@contoso.com", name="Alice", phone="+31 6 1111 1111"),
        CertificateContact(email="bob@contoso.com", name="Bob"),
    ]
    stored = client.set_contacts(wanted)
    assert [(c.email, c.name, c.phone) for c in stored] == [
        ("alice@contoso.com", "Alice", "+31 6 1111 1111"),
        ("bob@contoso.com", "Bob", None),
    ]
    assert [c.email for c in client.get_contacts()] == ["alice@contoso.com", "bob@contoso.com"]

    removed = client.delete_contacts()
    assert [c.email for c in removed] == ["alice@contoso.com", "bob@contoso.com"]
    with pytest.raises(ResourceNotFoundError):
        client.get_contacts()

    # Put the demo contacts back for anyone after us.
    client.set_contacts([CertificateContact(email="pki-staging@contoso.com", name="PKI team")])
