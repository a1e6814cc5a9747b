"""Fixtures for the Python official-SDK compatibility suite.

The suite starts the Certkeep Azure emulator as a child process and talks to it with the
official Azure SDK for Python. The only setup allowed besides ordinary SDK configuration:

* name resolution: ``*.localhost`` (and ``localhost``) resolves to 127.0.0.1, because the
  machine's resolver does not map vault host names such as ``kv-prod-web.vault.localhost``;
* trust: ``REQUESTS_CA_BUNDLE`` / ``SSL_CERT_FILE`` point at the emulator's CA file.

No SDK internals are patched and challenge-resource verification stays on.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest
import requests

# --------------------------------------------------------------------------------------------
# Constants of the built-in `demo` seed.
# --------------------------------------------------------------------------------------------
TENANT_ID = "3f6c1a52-8d3e-4b7a-9c41-2e5d7f9a0b13"
CLIENT_ID = "6b2d9e41-7c3a-4f85-a1d0-93e8c5b27f64"
CLIENT_SECRET = "ck-demo~7Qm2vX9pL4sW8nR1tY6uE3"
NO_ACCESS_CLIENT_ID = "9e1f3c7a-2b4d-4e6f-8a0c-5d7b9f1e3a25"
NO_ACCESS_CLIENT_SECRET = "ck-demo~noaccess~5Kj8Hq2Zr7"
PROD_SUBSCRIPTION = "a1c4e7f2-5b8d-4c3e-9f6a-0b2d4e6f8a13"
STAGING_SUBSCRIPTION = "b7d2f4a6-8c1e-4d5b-a3f7-9e2c4b6d8f57"
PROD_VAULTS = ["kv-prod-web", "kv-prod-api", "kv-prod-shared"]
STAGING_VAULTS = ["kv-stg-web", "kv-stg-legacy"]

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_BIN = REPO_ROOT / "target" / "debug" / "certkeep-emulator"
STARTUP_TIMEOUT_SECS = 90.0


# --------------------------------------------------------------------------------------------
# Resolver setup: *.localhost is loopback (RFC 6761) but this machine's resolver does not say so.
# --------------------------------------------------------------------------------------------
_original_getaddrinfo = socket.getaddrinfo


def _loopback_getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, (bytes, bytearray)) else host
    if isinstance(name, str):
        lowered = name.lower().rstrip(".")
        if lowered == "localhost" or lowered.endswith(".localhost"):
            host = "127.0.0.1"
    return _original_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_getaddrinfo


# --------------------------------------------------------------------------------------------
# The emulator process.
# --------------------------------------------------------------------------------------------
def emulator_binary() -> Path:
    return Path(os.environ.get("CERTKEEP_EMULATOR_BIN") or DEFAULT_BIN)


class Emulator:
    """One running `certkeep-emulator serve` process and helpers for its admin API."""

    def __init__(self, data_dir: Path, args: list[str]):
        self.data_dir = data_dir
        self.log_path = data_dir.parent / f"{data_dir.name}.log"
        binary = emulator_binary()
        if not binary.exists():
            pytest.fail(
                f"emulator binary not found at {binary}; build it (cargo build -p certkeep-emulator) "
                "or set CERTKEEP_EMULATOR_BIN",
                pytrace=False,
            )
        info_file = data_dir / "emulator.json"
        if info_file.exists():
            info_file.unlink()
        self._log = open(self.log_path, "wb")
        cmd = [str(binary), "serve", "--port", "0", "--data-dir", str(data_dir), *args]
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        atexit.register(self.stop)  # also when pytest is interrupted before fixture teardown
        try:
            self.info = self._wait_ready(info_file)
        except BaseException:
            self.stop()
            raise
        self.port: int = self.info["port"]
        self.authority: str = self.info["authority_host"]
        self.arm: str = self.info["arm_endpoint"]
        self.vault_resource: str = self.info["vault_resource"]
        self.ca_file: str = self.info["ca_file"]
        self.admin_base = f"{self.arm}/_emulator"

    def _wait_ready(self, info_file: Path) -> dict:
        deadline = time.monotonic() + STARTUP_TIMEOUT_SECS
        info = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"emulator exited with {self.proc.returncode}:\n{self.log_text()}")
            if info is None and info_file.exists():
                try:
                    info = json.loads(info_file.read_text())
                except ValueError:
                    info = None  # partially written; try again
            if info is not None:
                try:
                    r = requests.get(f"{info['arm_endpoint']}/_emulator/health", verify=info["ca_file"], timeout=5)
                    if r.status_code == 200:
                        return info
                except requests.RequestException:
                    pass
            time.sleep(0.1)
        raise RuntimeError(f"emulator not ready after {STARTUP_TIMEOUT_SECS}s:\n{self.log_text()}")

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self) -> None:
        if self._log.closed:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self._log.close()

    # -- URLs ---------------------------------------------------------------------------------
    def vault_url(self, vault: str) -> str:
        return f"https://{vault}.vault.localhost:{self.port}/"

    # -- admin API (no auth) -------------------------------------------------------------------
    def admin(self, method: str, path: str, body=None, expect: int | None = 200):
        r = requests.request(
            method, f"{self.admin_base}/{path.lstrip('/')}", json=body, verify=self.ca_file, timeout=60
        )
        if expect is not None:
            assert r.status_code == expect, f"{method} /_emulator/{path}: {r.status_code} {r.text}"
        try:
            return r.json()
        except ValueError:
            return r.text

    def counters(self) -> dict:
        return self.admin("GET", "counters")

    def reset_counters(self) -> None:
        self.admin("DELETE", "counters")

    # -- credentials ---------------------------------------------------------------------------
    def credential(self, tenant_id: str = TENANT_ID, client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET):
        from azure.identity import ClientSecretCredential

        return ClientSecretCredential(
            tenant_id, client_id, secret, authority=self.authority, disable_instance_discovery=True
        )


def _start(root: Path, name: str, args: list[str], ca_from: Path | None = None) -> Emulator:
    data_dir = root / name
    data_dir.mkdir(parents=True, exist_ok=True)
    if ca_from is not None:
        # The emulator keeps (and reuses) its CA in the data directory: share one CA so the
        # process-wide trust settings cover every emulator this session starts.
        for f in ("ca.pem", "ca-key.pem"):
            if (ca_from / f).exists():
                shutil.copy2(ca_from / f, data_dir / f)
    return Emulator(data_dir, args)


# Delays: Self issuance completes on the next request; integrated CAs take 3 s (as documented).
BASE_ARGS = ["--seed", "demo", "--self-delay-secs", "0", "--ca-delay-secs", "3"]


@pytest.fixture(scope="session")
def emulator_root():
    root = Path(tempfile.mkdtemp(prefix="certkeep-sdk-compat-"))
    yield root
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def emulator(emulator_root):
    """The shared emulator (demo seed). Tests create uniquely named objects to stay independent."""
    emu = _start(emulator_root, "shared", BASE_ARGS)
    saved = {k: os.environ.get(k) for k in ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE")}
    os.environ["REQUESTS_CA_BUNDLE"] = emu.ca_file
    os.environ["SSL_CERT_FILE"] = emu.ca_file
    try:
        yield emu
    finally:
        emu.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture
def fresh_emulator(emulator, emulator_root):
    """A private emulator (demo seed, same CA) for tests that move the clock or need clean state."""
    emu = _start(emulator_root, f"fresh-{uuid.uuid4().hex[:8]}", BASE_ARGS, ca_from=emulator.data_dir)
    assert emu.ca_file and Path(emu.ca_file).read_bytes() == Path(emulator.ca_file).read_bytes()
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture(scope="session")
def credential(emulator):
    return emulator.credential()


@pytest.fixture(scope="session")
def no_access_credential(emulator):
    return emulator.credential(client_id=NO_ACCESS_CLIENT_ID, secret=NO_ACCESS_CLIENT_SECRET)


@pytest.fixture(scope="session")
def cert_client_for(emulator, credential):
    from azure.keyvault.certificates import CertificateClient

    clients = {}

    def make(vault: str = "kv-prod-web"):
        if vault not in clients:
            clients[vault] = CertificateClient(emulator.vault_url(vault), credential)
        return clients[vault]

    return make


@pytest.fixture(scope="session")
def secret_client_for(emulator, credential):
    from azure.keyvault.secrets import SecretClient

    clients = {}

    def make(vault: str = "kv-prod-web"):
        if vault not in clients:
            clients[vault] = SecretClient(emulator.vault_url(vault), credential)
        return clients[vault]

    return make


@pytest.fixture
def cert_client(cert_client_for):
    return cert_client_for("kv-prod-web")


@pytest.fixture
def secret_client(secret_client_for):
    return secret_client_for("kv-prod-web")


@pytest.fixture
def unique():
    """unique('prefix') -> 'prefix-1a2b3c4d', a valid Key Vault object name."""

    def make(prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:10]}"

    return make


# --------------------------------------------------------------------------------------------
# The real `certkeep` CLI, pointed at the shared emulator as a custom cloud.
# --------------------------------------------------------------------------------------------
DEFAULT_CERTKEEP_BIN = REPO_ROOT / "target" / "debug" / "certkeep"


def certkeep_binary() -> Path:
    return Path(os.environ.get("CERTKEEP_BIN") or DEFAULT_CERTKEEP_BIN)


class Certkeep:
    """Runs `certkeep` with its own data directory and a config file whose `emulator` cloud is
    the shared emulator (as `certkeep demo` writes it)."""

    CLOUD = "emulator"

    def __init__(self, emulator: Emulator, root: Path):
        self.binary = certkeep_binary()
        if not self.binary.exists():
            pytest.fail(
                f"certkeep binary not found at {self.binary}; build it (cargo build -p certkeep) "
                "or set CERTKEEP_BIN",
                pytrace=False,
            )
        root.mkdir(parents=True, exist_ok=True)
        self.data_dir = root / "data"
        self.config = root / "certkeep.toml"
        self.config.write_text(
            "[[clouds]]\n"
            f'name = "{self.CLOUD}"\n'
            f"authority_host = {json.dumps(emulator.authority)}\n"
            f"arm_endpoint = {json.dumps(emulator.arm)}\n"
            'vault_dns_suffix = "vault.localhost"\n'
            f"ca_file = {json.dumps(emulator.ca_file)}\n"
        )

    def run(self, *args: str, secret: str | None = None, check: bool = True, timeout: float = 120):
        env = {k: v for k, v in os.environ.items() if not k.startswith("CERTKEEP_")}
        env["CERTKEEP_DATA_DIR"] = str(self.data_dir)
        env["CERTKEEP_CONFIG"] = str(self.config)
        if secret is not None:
            env["CERTKEEP_CLIENT_SECRET"] = secret
        p = subprocess.run(
            [str(self.binary), *args],
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if check:
            assert p.returncode == 0, (
                f"certkeep {' '.join(args)} exited {p.returncode}\nstdout:\n{p.stdout}\nstderr:\n{p.stderr}"
            )
        return p

    def json(self, *args: str, **kwargs):
        p = self.run(*args, "-o", "json", **kwargs)
        return json.loads(p.stdout)


@pytest.fixture(scope="session")
def certkeep(emulator, emulator_root):
    """`certkeep` with the demo production credential added (its vaults imported)."""
    ck = Certkeep(emulator, emulator_root / "certkeep")
    added = ck.json(
        "credential", "add",
        "--name", "sdk-compat",
        "--cloud", Certkeep.CLOUD,
        "--tenant-id", TENANT_ID,
        "--subscription-id", PROD_SUBSCRIPTION,
        "--client-id", CLIENT_ID,
        secret=CLIENT_SECRET,
    )
    assert added["vaults"]["added"] == len(PROD_VAULTS), added
    return ck
