"""Fixtures for the security tests: a throwaway CA and a TLS context for hostile servers."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest

from tests.support.registry import make_tls_files


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(ca.crt, server.crt, server.key) for 127.0.0.1/localhost."""
    return make_tls_files(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def server_tls(pki: tuple[Path, Path, Path]) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki[1], pki[2])
    return ctx
