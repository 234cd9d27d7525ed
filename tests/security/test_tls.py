"""TLS is verified by default; plain HTTP only for loopback or ``--insecure-registry``; a
TLS registry on loopback is reachable when a TLS option says so (real registry, tls mode)."""

from __future__ import annotations

import gc
import json
import ssl
from pathlib import Path

import pytest

from ocitrace.errors import RegistryError, TransportError
from ocitrace.oci.model import Descriptor
from ocitrace.registry import RegistryClient
from ocitrace.transport import Transport, TransportOptions
from tests.conftest import RegistryFactory
from tests.support.registry import make_tls_files, push_blob, push_manifest

from .helpers import OCI_MANIFEST, sha
from .hostile import HostileServer, Reply

pytestmark = pytest.mark.timeout(60)


def base(registry: str, **kw: object) -> str:
    return Transport(TransportOptions(**kw), environ={}).base_url(registry)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("registry", "options", "expected"),
    [
        ("registry.example.com", {}, "https://registry.example.com"),
        ("registry.example.com:5000", {}, "https://registry.example.com:5000"),
        ("docker.io", {}, "https://registry-1.docker.io"),
        ("127.0.0.1:5000", {}, "http://127.0.0.1:5000"),
        ("localhost:5000", {}, "http://localhost:5000"),
        ("[::1]:5000", {}, "http://[::1]:5000"),
        # a name that merely looks local is not loopback
        ("localhost.example.com", {}, "https://localhost.example.com"),
        ("127.0.0.1.nip.io:5000", {}, "https://127.0.0.1.nip.io:5000"),
        # opting in to plain HTTP, by host:port or bare host
        (
            "reg.lan:5000",
            {"insecure_registries": frozenset({"reg.lan:5000"})},
            "http://reg.lan:5000",
        ),
        ("reg.lan:5000", {"insecure_registries": frozenset({"reg.lan"})}, "http://reg.lan:5000"),
        (
            "reg.lan:5001",
            {"insecure_registries": frozenset({"reg.lan:5000"})},
            "https://reg.lan:5001",
        ),
        # skipping verification never means plain HTTP for a remote host
        ("reg.lan", {"insecure_skip_verify": True}, "https://reg.lan"),
        # TLS options say a loopback registry speaks TLS ...
        ("127.0.0.1:5000", {"insecure_skip_verify": True}, "https://127.0.0.1:5000"),
        # ... unless it is listed as plain HTTP
        (
            "127.0.0.1:5000",
            {"insecure_skip_verify": True, "insecure_registries": frozenset({"127.0.0.1:5000"})},
            "http://127.0.0.1:5000",
        ),
    ],
)
def test_scheme_per_registry(registry: str, options: dict[str, object], expected: str) -> None:
    assert base(registry, **options) == expected


def test_ca_cert_makes_loopback_https(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("not checked here")
    assert base("127.0.0.1:5000", ca_cert=str(ca)) == "https://127.0.0.1:5000"
    listed = frozenset({"127.0.0.1"})
    assert base("127.0.0.1:5000", ca_cert=str(ca), insecure_registries=listed) == (
        "http://127.0.0.1:5000"
    )


def _push(reg_factory: RegistryFactory) -> tuple[str, str, str]:
    """A tls-mode registry holding ``sec/tls:v1``: (host, manifest digest, CA file)."""
    reg = reg_factory("tls")
    config = json.dumps({"architecture": "amd64", "os": "linux"}).encode()
    cdigest = push_blob(reg, "sec/tls", config, auth=None)
    manifest = json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_MANIFEST,
            "config": {
                "mediaType": "application/vnd.oci.image.config.v1+json",
                "digest": cdigest,
                "size": len(config),
            },
            "layers": [],
        }
    ).encode()
    digest = push_manifest(reg, "sec/tls", "v1", manifest, OCI_MANIFEST, auth=None)
    assert reg.ca_cert is not None
    return reg.host, digest, str(reg.ca_cert)


def _resolve(host: str, **kw: object) -> str:
    opts = TransportOptions(retries=0, timeout=10.0, **kw)  # type: ignore[arg-type]
    return (
        RegistryClient(Transport(opts, environ={})).repository(host, "sec/tls").resolve("v1").digest
    )


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_real_tls_registry_on_loopback(
    registry_factory: RegistryFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    host, digest, ca = _push(registry_factory)
    assert _resolve(host, ca_cert=ca) == digest  # verified against the given CA
    assert _resolve(host, insecure_skip_verify=True) == digest  # TLS, unverified, when asked
    # no TLS option: loopback means plain HTTP, and the error says what to pass
    with pytest.raises(RegistryError) as info:
        _resolve(host)
    assert info.value.status == 400
    assert "--ca-cert" in (info.value.hint or "")
    # REQUESTS_CA_BUNDLE from the environment does not replace an explicit --ca-cert
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", __file__)
    opts = TransportOptions(retries=0, timeout=10.0, ca_cert=ca)
    assert (
        RegistryClient(Transport(opts)).repository(host, "sec/tls").resolve("v1").digest == digest
    )


def test_real_tls_registry_with_an_unknown_ca_is_refused(
    registry_factory: RegistryFactory, tmp_path: Path
) -> None:
    host, _, _ = _push(registry_factory)
    other_ca = make_tls_files(tmp_path / "other")[0]
    with pytest.raises(TransportError, match="TLS verification failed") as info:
        _resolve(host, ca_cert=str(other_ca))
    assert "--ca-cert" in (info.value.hint or "")
    # verification is on by default: the public bundle does not know the test CA
    with pytest.raises(TransportError, match="TLS verification failed"):
        Transport(TransportOptions(retries=0), environ={}).request(
            "GET", f"https://{host}/v2/", registry=host
        )


def test_ca_cert_adds_to_the_default_store(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    server_tls: ssl.SSLContext,
    pki: tuple[Path, Path, Path],
) -> None:
    """A registry under a private CA redirecting to storage under a "public" CA (the pki
    fixture's, standing in for certifi's bundle): both verify."""
    public_ca = pki[0]
    monkeypatch.setattr("ocitrace.transport.cabundle.DEFAULT_CA_BUNDLE", str(public_ca))
    private_ca, private_cert, private_key = make_tls_files(tmp_path / "private")
    reg_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    reg_tls.load_cert_chain(private_cert, private_key)
    data = b"blob from public storage"
    with HostileServer(lambda s: Reply(200, {}, data), tls=server_tls) as storage:
        moved = {"Location": f"https://localhost:{storage.port}/b"}
        with HostileServer(lambda s: Reply(307, moved, b""), tls=reg_tls) as reg:
            t = Transport(TransportOptions(retries=0, ca_cert=str(private_ca)), environ={})
            repo = RegistryClient(t).repository(reg.netloc, "a/b")
            assert repo.blob(Descriptor("x", sha(data), len(data))) == data
    bundle = Path(str(t._verify))
    text = bundle.read_text()
    assert private_ca.read_text().strip() in text
    assert public_ca.read_text().strip() in text
    del t, repo
    gc.collect()
    assert not bundle.exists()  # the combined file lives as long as its transport
