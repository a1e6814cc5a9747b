"""Scenario 12: moving the emulator's clock fires an EmailContacts lifetime action (fresh emulator)."""

from azure.keyvault.certificates import CertificateClient, CertificatePolicy, CertificatePolicyAction, LifetimeAction


def mail_events(emu, name):
    events = emu.admin("GET", "events")["events"]
    return [e for e in events if e["kind"] == "mail_sent" and e["certificate"] == name]


def test_email_contacts_fires_when_the_clock_passes_the_trigger(fresh_emulator):
    emu = fresh_emulator
    client = CertificateClient(emu.vault_url("kv-prod-web"), emu.credential())
    name = "py-timewarp"
    policy = CertificatePolicy(
        issuer_name="Self",
        subject="CN=timewarp.contoso.com",
        validity_in_months=1,
        lifetime_actions=[LifetimeAction(CertificatePolicyAction.email_contacts, days_before_expiry=10)],
    )
    cert = client.begin_create_certificate(name, policy).result()
    lifetime = cert.properties.expires_on - cert.properties.not_before
    assert 28 <= lifetime.days <= 31
    assert mail_events(emu, name) == []

    before = emu.admin("GET", "clock")["now"]
    # 15 days on: the trigger (10 days before expiry, i.e. ~day 18-21) is still ahead.
    emu.admin("POST", "clock/advance", {"days": 15})
    assert emu.admin("GET", "clock")["now"] >= before + 15 * 86400
    assert mail_events(emu, name) == []

    # 10 more days: past the trigger, not yet expired.
    emu.admin("POST", "clock/advance", {"days": 10})
    fired = mail_events(emu, name)
    assert len(fired) == 1, emu.admin("GET", "events")
    event = fired[0]
    assert event["vault"] == "kv-prod-web"
    assert event["version"] == cert.properties.version
    assert event["recipients"] == ["pki-prod@contoso.com"]

    # It fires once per version, however often the clock moves on.
    emu.admin("POST", "clock/advance", {"seconds": 3600})
    assert len(mail_events(emu, name)) == 1

    # The warped clock is the service's "now": a token issued after the warp works and the
    # certificate is unchanged (the credential's earlier token was issued in the past).
    fresh = CertificateClient(emu.vault_url("kv-prod-web"), emu.credential())
    again = fresh.get_certificate(name)
    assert again.properties.version == cert.properties.version
    assert again.properties.expires_on == cert.properties.expires_on
