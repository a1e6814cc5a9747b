"""The SDK against the emulator's fault injection: empty pages that still carry a nextLink,
and added latency. (Random 5xx/429/dropped-connection faults are not asserted here: the Key
Vault SDK retries a status only 3 times, so any rate would make a test flaky.)"""

import time


def test_empty_pages_with_next_link_are_followed(emulator, cert_client_for):
    client = cert_client_for("kv-prod-api")
    client.get_certificate("api-prod")
    emulator.admin("PUT", "faults", {"empty_page_rate": 0.5})
    try:
        emulator.reset_counters()
        names = [p.name for p in client.list_properties_of_certificates(max_page_size=5)]
        calls = emulator.counters()["by_route"]["kv.certificates.list"]
    finally:
        emulator.admin("PUT", "faults", {})
    assert len(names) == 12
    assert len(set(names)) == 12
    assert calls >= 3


def test_latency_is_applied(emulator, secret_client_for):
    client = secret_client_for("kv-prod-api")
    client.get_secret("api-key")
    emulator.admin("PUT", "faults", {"latency_ms": 400})
    try:
        started = time.monotonic()
        assert client.get_secret("api-key").value == "demo-api-key-1"
        elapsed = time.monotonic() - started
    finally:
        emulator.admin("PUT", "faults", {})
    assert elapsed >= 0.4
    assert emulator.admin("GET", "faults")["latency_ms"] == 0
