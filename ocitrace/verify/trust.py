"""Trusted roots: the public-good root shipped in sigstore-python, or the user's own.

Offline (the default) means: the root comes from sigstore-python's distribution
(``sigstore/_store/https%3A%2F%2Ftuf-repo-cdn.sigstore.dev/trusted_root.json``, as
of the installed sigstore release) or from ``--trusted-root``; no TUF refresh, no Rekor
query.  ``offline=False`` refreshes the public-good root through TUF (sigstore-python's
updater, which caches under the user's data directory).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..errors import ConfigError

if TYPE_CHECKING:  # pragma: no cover
    from sigstore.models import TrustedRoot

__all__ = [
    "PUBLIC_GOOD_TUF_URL",
    "STAGING_TUF_URL",
    "load_trusted_roots",
    "shipped_trusted_root_json",
]

PUBLIC_GOOD_TUF_URL = "https://tuf-repo-cdn.sigstore.dev"
STAGING_TUF_URL = "https://tuf-repo-cdn.sigstage.dev"


def shipped_trusted_root_json(tuf_url: str = PUBLIC_GOOD_TUF_URL) -> bytes:
    """The ``trusted_root.json`` embedded in the installed sigstore-python for the Sigstore
    instance whose TUF repository is ``tuf_url`` (public-good by default; staging too)."""
    from sigstore._utils import read_embedded

    return read_embedded("trusted_root.json", tuf_url)


def _parse(text: str | bytes, what: str) -> TrustedRoot:
    from sigstore.errors import Error
    from sigstore.models import TrustedRoot
    from sigstore_models.trustroot import v1 as trustroot_v1

    try:
        return TrustedRoot(trustroot_v1.TrustedRoot.from_json(text))
    except (Error, ValueError, TypeError) as exc:
        raise ConfigError(
            f"{what}: not a Sigstore trusted root: {str(exc).splitlines()[0]}"
        ) from exc


def load_trusted_roots(text: str | None, *, offline: bool = True) -> list[TrustedRoot]:
    """Roots to verify against: ``text`` is a ``trusted_root.json`` or JSON lines of several
    (``gh attestation trusted-root`` output); ``None`` is the public-good root."""
    if text is None:
        if offline:
            return [_parse(shipped_trusted_root_json(), "shipped public-good trusted root")]
        from sigstore.errors import Error
        from sigstore.models import ClientTrustConfig

        try:
            return [ClientTrustConfig.production(offline=False).trusted_root]
        except Error as exc:
            raise ConfigError(f"cannot refresh the public-good trusted root: {exc}") from exc
    stripped = text.strip()
    if not stripped:
        raise ConfigError("trusted root file is empty")
    try:
        json.loads(stripped)
        return [_parse(stripped, "trusted root")]
    except ValueError:
        pass
    roots = [
        _parse(line, f"trusted root line {n}")
        for n, line in enumerate(stripped.splitlines(), 1)
        if line.strip()
    ]
    return roots
