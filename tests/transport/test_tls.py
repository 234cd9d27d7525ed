"""TLS: verified by default, ``ca_cert`` trusted, and an explicit CA wins over REQUESTS_CA_BUNDLE."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ocitrace.errors import ConfigError, TransportError
from ocitrace.transport import Transport, TransportOptions
from ocitrace.transport.credentials import CredentialStore

from .servers import ScriptedServer, serve

SYSTEM_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A throwaway CA and a server certificate for 127.0.0.1/localhost (as registry-notes does with openssl)."""
    d = tmp_path_factory.mktemp("pki")
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("ocitrace test CA"))
        .issuer_name(_name("ocitrace test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("localhost"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = {"ca": d / "ca.crt", "cert": d / "server.crt", "key": d / "server.key"}
    paths["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths["key"].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def tls_server(pki: dict[str, Path]) -> Iterator[ScriptedServer]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki["cert"], pki["key"])
    with serve(lambda seen: (200, {}, b"{}"), tls=ctx) as srv:
        yield srv


def transport(environ: dict[str, str], **kw: Any) -> Transport:
    store = CredentialStore(docker_config_dir="/nonexistent", environ={"HOME": "/nonexistent"})
    return Transport(
        TransportOptions(timeout=5.0, retries=0, **kw), credentials=store, environ=environ
    )


def get(t: Transport, srv: ScriptedServer) -> int:
    return t.request("GET", f"https://{srv.netloc}/v2/", registry=srv.netloc).status_code


def test_unknown_ca_fails_with_ca_cert_hint(tls_server: ScriptedServer) -> None:
    with transport({}) as t, pytest.raises(TransportError) as info:
        get(t, tls_server)
    assert str(info.value) == f"GET https://{tls_server.netloc}/v2/: TLS verification failed"
    assert "--ca-cert" in (info.value.hint or "")
    assert "--insecure-skip-tls-verify" in (info.value.hint or "")  # the flag's real name


def test_explicit_ca_wins_over_requests_ca_bundle(
    tls_server: ScriptedServer, pki: dict[str, Path]
) -> None:
    env = {"REQUESTS_CA_BUNDLE": SYSTEM_BUNDLE} if Path(SYSTEM_BUNDLE).exists() else {}
    with transport(env, ca_cert=str(pki["ca"])) as t:
        assert get(t, tls_server) == 200
    if env:
        with transport(env) as t, pytest.raises(TransportError):
            get(t, tls_server)  # the system bundle does not know the test CA


def test_requests_ca_bundle_used_when_no_explicit_ca(
    tls_server: ScriptedServer, pki: dict[str, Path]
) -> None:
    with transport({"REQUESTS_CA_BUNDLE": str(pki["ca"])}) as t:
        assert get(t, tls_server) == 200


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")
def test_insecure_skip_verify_only_when_asked(tls_server: ScriptedServer) -> None:
    with transport({}, insecure_skip_verify=True) as t:
        assert get(t, tls_server) == 200


def test_missing_ca_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        transport({}, ca_cert=str(tmp_path / "nope.pem"))
