"""Scenario 11: Key Vault throttling (429 + Retry-After) is absorbed by the SDK's retry policy."""

import time


def test_sdk_retries_through_429(emulator, cert_client_for):
    client = cert_client_for("kv-prod-api")
    client.get_certificate("api-prod")  # token and challenge out of the way
    saved = emulator.admin("GET", "throttle")
    emulator.admin("PUT", "throttle", {"enabled": True, "vault_requests": 5, "window_secs": 2, "subscription_multiplier": 5})
    try:
        emulator.reset_counters()
        started = time.monotonic()
        thumbprints = {client.get_certificate("api-prod").properties.x509_thumbprint for _ in range(15)}
        elapsed = time.monotonic() - started
        counters = emulator.counters()
    finally:
        emulator.admin("PUT", "throttle", saved)
    assert len(thumbprints) == 1, "every call succeeded with the same certificate"
    assert counters["throttled"] > 0, counters
    # 15 successes plus one request per 429 that the SDK retried.
    assert counters["by_route"]["kv.certificates.get"] == 15 + counters["throttled"]
    # 5 requests per 2 s: the last 10 cannot all fit in the first window.
    assert elapsed >= 2.0
    assert emulator.admin("GET", "throttle") == saved
