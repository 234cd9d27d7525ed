"""``--ca-cert`` adds to the default trust store instead of replacing it.

``requests`` takes one CA file per request; given only the private CA, a registry that
redirects blob downloads to public storage (S3, a CDN) would fail verification there.
Docker adds a registry's CA to the system pool; we do the same by writing the default
bundle plus the given file to a private temporary file that lives as long as its owner.
"""

from __future__ import annotations

import os
import tempfile
import weakref

from certifi import where

from ..errors import ConfigError

#: certifi's bundle: what requests' ``DEFAULT_CA_BUNDLE_PATH`` is, without importing requests
DEFAULT_CA_BUNDLE = where()


def combined_bundle(owner: object, ca_cert: str, default: str | None = None) -> str:
    """Path of a PEM file holding the default bundle's certificates (``default``, else
    certifi's) and ``ca_cert``'s; removed when ``owner`` is garbage-collected."""
    default = default or DEFAULT_CA_BUNDLE
    try:
        with open(ca_cert, "rb") as fh:
            extra = fh.read(4 * 1024 * 1024)
        with open(default, "rb") as fh:
            base = fh.read()
    except OSError as exc:
        raise ConfigError(
            f"cannot read CA certificates from {exc.filename}: {exc.strerror}",
            input=str(exc.filename),
            hint="pass a readable PEM file to --ca-cert",
        ) from exc
    fd, path = tempfile.mkstemp(prefix="ocitrace-ca-", suffix=".pem")
    with os.fdopen(fd, "wb") as out:
        out.write(base.rstrip(b"\n") + b"\n" + extra)
    weakref.finalize(owner, _unlink, path)
    return path


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
