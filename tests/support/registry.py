"""Run Debian's ``docker-registry`` (distribution 2.8) for tests, and push content to it.

``start_registry(tmp_path, mode=...)`` starts one registry on ``127.0.0.1:0`` and reads the
kernel-chosen port from its log (see shared registry-notes).  Modes:

* ``anonymous`` — plain HTTP, no auth;
* ``htpasswd``  — Basic auth from a bcrypt htpasswd file (``users``);
* ``token``     — Bearer tokens from ``tests/support/token_issuer.py`` (a subprocess);
  anonymous callers may pull repositories matching ``public``;
* ``tls``       — anonymous, HTTPS with a throwaway CA (``RunningRegistry.ca_cert``).

Storage (``storage=...``): ``filesystem`` (the default, under ``tmp_path/data``) or
``memory`` (distribution's ``inmemory`` driver with the ``inmemory`` blob-descriptor cache:
less CPU per request; the content is gone when the process stops — for benchmarks).

The push helpers speak the distribution API with plain ``requests`` (never ocitrace code),
so a bug in ocitrace cannot hide itself by pushing and pulling the same wrong bytes.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests

REGISTRY_BIN = "/usr/bin/docker-registry"
ISSUER = "ocitrace-test-issuer"
SERVICE = "ocitrace-test-registry"
MODES = ("anonymous", "htpasswd", "token", "tls")
STORAGES = ("filesystem", "memory")
_LISTENING = re.compile(r"listening on 127\.0\.0\.1:(\d+)")
_START_TIMEOUT = 15.0

INDEX_TYPES = (
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
)
MANIFEST_TYPES = (
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
)
ALL_MANIFEST_TYPES = INDEX_TYPES + MANIFEST_TYPES


def registry_available() -> bool:
    """True when Debian's docker-registry binary is installed."""
    return os.access(REGISTRY_BIN, os.X_OK)


@dataclass
class RunningRegistry:
    """A live registry process (plus its token issuer in ``token`` mode)."""

    host: str
    url: str
    mode: str
    root: Path
    ca_cert: Path | None = None
    username: str | None = None
    password: str | None = None
    token_log: Path | None = None
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _session: requests.Session = field(default_factory=requests.Session)

    def __post_init__(self) -> None:
        self._session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify=

    @property
    def verify(self) -> bool | str:
        return str(self.ca_cert) if self.ca_cert else True

    def token_requests(self) -> list[dict[str, Any]]:
        """Token requests seen by the issuer so far (``token`` mode), oldest first."""
        if self.token_log is None or not self.token_log.exists():
            return []
        lines = self.token_log.read_text().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def request(
        self,
        method: str,
        path_or_url: str,
        *,
        auth: tuple[str, str] | bool | None = True,
        **kw: Any,
    ) -> requests.Response:
        """One API call, answering Basic and Bearer challenges with ``auth``.

        ``auth=True`` uses the registry's own user (when it has one), ``None``/``False``
        goes anonymous, a tuple gives explicit credentials.
        """
        creds = (self.username, self.password) if auth is True else (auth or None)
        if creds is not None and creds[0] is None:
            creds = None
        url = path_or_url if "://" in path_or_url else self.url + path_or_url
        kw.setdefault("verify", self.verify)
        kw.setdefault("timeout", 30)
        resp = self._session.request(method, url, **kw)
        if resp.status_code != 401:
            return resp
        challenge = resp.headers.get("WWW-Authenticate", "")
        if challenge.startswith("Basic") and creds:
            return self._session.request(method, url, auth=creds, **kw)  # type: ignore[arg-type]
        if challenge.startswith("Bearer"):
            params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
            query = {"service": params.get("service", ""), "scope": params.get("scope", "")}
            tok = self._session.get(
                params["realm"],
                params=query,
                auth=creds,
                timeout=30,  # type: ignore[arg-type]
            )
            if tok.status_code != 200:
                return resp
            headers = dict(kw.pop("headers", None) or {})
            headers["Authorization"] = "Bearer " + tok.json()["token"]
            return self._session.request(method, url, headers=headers, **kw)
        return resp

    def stop(self) -> None:
        for proc in reversed(self.processes):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(5)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
        self.processes.clear()
        self._session.close()

    def __enter__(self) -> RunningRegistry:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- starting -------------------------------------------------------------------------


def start_registry(
    tmp_path: Path,
    mode: str = "anonymous",
    users: Mapping[str, str] | None = None,
    public: str = "public/*",
    *,
    storage: str = "filesystem",
) -> RunningRegistry:
    """Start a registry in ``mode`` with state under ``tmp_path``; stop it with ``.stop()``.

    ``storage="memory"`` keeps the content in the registry process (see the module doc)."""
    if mode not in MODES:
        raise ValueError(f"unknown registry mode {mode!r}; one of {MODES}")
    if storage not in STORAGES:
        raise ValueError(f"unknown registry storage {storage!r}; one of {STORAGES}")
    if not registry_available():
        raise FileNotFoundError(REGISTRY_BIN)
    users = dict(users if users is not None else {"alice": "wonderland"})
    tmp_path.mkdir(parents=True, exist_ok=True)
    username, password = next(iter(users.items())) if users else (None, None)
    procs: list[subprocess.Popen[bytes]] = []
    config = _base_config(tmp_path, storage)
    ca_cert: Path | None = None
    token_log: Path | None = None
    try:
        if mode == "htpasswd":
            config += _htpasswd_config(tmp_path, users)
        elif mode == "token":
            token_log = tmp_path / "token-requests.jsonl"
            issuer_port = _start_issuer(tmp_path, users, public, token_log, procs)
            config += _token_config(tmp_path, issuer_port)
        elif mode == "tls":
            ca_cert, cert, key = make_tls_files(tmp_path / "tls")
        config += _HTTP
        if mode == "tls":
            config += f"  tls:\n    certificate: {cert}\n    key: {key}\n"
        if mode in ("anonymous", "tls"):
            username = password = None
        cfg = tmp_path / "config.yml"
        cfg.write_text(config)
        port = _spawn([REGISTRY_BIN, "serve", str(cfg)], tmp_path / "registry.log", procs)
    except BaseException:
        for proc in procs:
            proc.kill()
            proc.wait()
        raise
    scheme = "https" if mode == "tls" else "http"
    host = f"127.0.0.1:{port}"
    return RunningRegistry(
        host=host,
        url=f"{scheme}://{host}",
        mode=mode,
        root=tmp_path,
        ca_cert=ca_cert,
        username=username,
        password=password,
        token_log=token_log,
        processes=procs,
    )


def _base_config(tmp: Path, storage: str = "filesystem") -> str:
    if storage == "memory":  # as Debian's /etc/docker/registry/config.yml, minus the disk
        store = "  inmemory: {}\n  cache:\n    blobdescriptor: inmemory\n"
    else:
        store = f"  filesystem:\n    rootdirectory: {tmp / 'data'}\n"
    return (
        "version: 0.1\n"
        "log:\n  level: info\n  accesslog:\n    disabled: true\n"
        f"storage:\n{store}"
        "  delete:\n    enabled: true\n"
    )


_HTTP = "http:\n  addr: 127.0.0.1:0\n  secret: ocitrace-test-secret\n"


def _htpasswd_config(tmp: Path, users: Mapping[str, str]) -> str:
    import bcrypt

    lines = [
        f"{name}:{bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=4)).decode()}"
        for name, pw in users.items()
    ]
    path = tmp / "htpasswd"
    path.write_text("\n".join(lines) + "\n")
    return f"auth:\n  htpasswd:\n    realm: ocitrace-test\n    path: {path}\n"


def _token_config(tmp: Path, issuer_port: int) -> str:
    return (
        "auth:\n  token:\n"
        f"    realm: http://127.0.0.1:{issuer_port}/token\n"
        f"    service: {SERVICE}\n"
        f"    issuer: {ISSUER}\n"
        f"    rootcertbundle: {tmp / 'tok' / 'signing-cert.pem'}\n"
    )


def _start_issuer(
    tmp: Path,
    users: Mapping[str, str],
    public: str,
    log: Path,
    procs: list[subprocess.Popen[bytes]],
) -> int:
    script = str(Path(__file__).with_name("token_issuer.py"))
    subprocess.run([sys.executable, script, "init", str(tmp / "tok")], check=True)
    cmd = [
        sys.executable,
        script,
        "serve",
        str(tmp / "tok"),
        "--port",
        "0",
        "--issuer",
        ISSUER,
        "--service",
        SERVICE,
        "--public",
        public,
        "--log",
        str(log),
    ]
    for name, pw in users.items():
        cmd += ["--user", f"{name}:{pw}"]
    return _spawn(cmd, tmp / "issuer.log", procs)


def _spawn(cmd: list[str], log: Path, procs: list[subprocess.Popen[bytes]]) -> int:
    """Start ``cmd`` with stderr to ``log`` (a file never fills up); wait for its port."""
    out = log.open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    out.close()
    procs.append(proc)
    deadline = time.monotonic() + _START_TIMEOUT
    while time.monotonic() < deadline:
        match = _LISTENING.search(log.read_text(errors="replace"))
        if match:
            return int(match.group(1))
        if proc.poll() is not None:
            break
        time.sleep(0.01)
    text = log.read_text(errors="replace")[-2000:]
    raise RuntimeError(f"{cmd[0]} did not start (exit {proc.poll()}):\n{text}")


def make_tls_files(directory: Path) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server cert for 127.0.0.1/localhost: (ca.crt, server.crt, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ocitrace test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    ca_path, cert_path, key_path = (
        directory / "ca.crt",
        directory / "server.crt",
        directory / "server.key",
    )
    ca_path.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    return ca_path, cert_path, key_path


# --- pushing --------------------------------------------------------------------------


def sha256_digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def _check(resp: requests.Response, what: str) -> None:
    if resp.status_code >= 300:
        raise RuntimeError(f"{what}: HTTP {resp.status_code}: {resp.text[:500]}")


def push_blob(
    reg: RunningRegistry, repo: str, data: bytes, *, auth: tuple[str, str] | bool | None = True
) -> str:
    """Upload ``data`` as a blob of ``repo`` (monolithic POST + PUT); returns its digest."""
    digest = sha256_digest(data)
    head = reg.request("HEAD", f"/v2/{repo}/blobs/{digest}", auth=auth)
    if head.status_code == 200:
        return digest
    start = reg.request("POST", f"/v2/{repo}/blobs/uploads/", auth=auth)
    _check(start, f"start upload to {repo}")
    location = urljoin(reg.url + "/", start.headers["Location"])
    sep = "&" if "?" in location else "?"
    put = reg.request(
        "PUT",
        f"{location}{sep}digest={digest}",
        auth=auth,
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    _check(put, f"upload blob {digest} to {repo}")
    return digest


def push_manifest(
    reg: RunningRegistry,
    repo: str,
    ref: str,
    data: bytes,
    media_type: str,
    *,
    auth: tuple[str, str] | bool | None = True,
) -> str:
    """PUT ``data`` as manifest ``repo:ref`` (tag or digest) byte for byte; returns its digest."""
    resp = reg.request(
        "PUT",
        f"/v2/{repo}/manifests/{ref}",
        auth=auth,
        data=data,
        headers={"Content-Type": media_type},
    )
    _check(resp, f"push manifest {repo}:{ref}")
    digest = sha256_digest(data)
    served = resp.headers.get("Docker-Content-Digest")
    if served and served != digest:
        raise RuntimeError(f"registry stored {repo}:{ref} as {served}, expected {digest}")
    return digest


def _layout_blob(layout: Path, digest: str) -> bytes:
    algo, hexpart = digest.split(":", 1)
    return (layout / "blobs" / algo / hexpart).read_bytes()


def _push_tree(
    reg: RunningRegistry,
    layout: Path,
    repo: str,
    desc: Mapping[str, Any],
    ref: str | None,
    auth: tuple[str, str] | bool | None,
) -> str:
    """Push one manifest/index and everything below it, children first."""
    data = _layout_blob(layout, desc["digest"])
    media_type = desc["mediaType"]
    doc = json.loads(data)
    if media_type in INDEX_TYPES:
        for child in doc.get("manifests", []):
            if child.get("mediaType") in ALL_MANIFEST_TYPES:
                _push_tree(reg, layout, repo, child, None, auth)
            else:
                push_blob(reg, repo, _layout_blob(layout, child["digest"]), auth=auth)
    else:
        for blob in [doc["config"], *doc.get("layers", [])]:
            push_blob(reg, repo, _layout_blob(layout, blob["digest"]), auth=auth)
    return push_manifest(reg, repo, ref or desc["digest"], data, media_type, auth=auth)


def push_layout(
    reg: RunningRegistry,
    layout_dir: Path | str,
    repo: str,
    tag: str,
    *,
    auth: tuple[str, str] | bool | None = True,
) -> str:
    """Push a fixture layout's top manifest (``index.json`` entry 0) and all it references.

    Bytes are pushed unchanged, so the returned digest equals the fixture README's table.
    """
    layout = Path(layout_dir)
    top = json.loads((layout / "index.json").read_text())["manifests"][0]
    return _push_tree(reg, layout, repo, top, tag, auth)


def fixture_dir(name: str) -> Path:
    """Path of a BuildKit fixture layout under ``fixtures/buildkit``."""
    return Path(__file__).resolve().parents[2] / "fixtures" / "buildkit" / name


def copy_layout(name: str, dest: Path) -> Path:
    """A private copy of a fixture layout (for tests that corrupt it)."""
    target = dest / name
    shutil.copytree(fixture_dir(name), target)
    return target


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()
