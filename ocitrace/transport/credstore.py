"""Storing and erasing registry credentials as ``docker login`` / ``docker logout`` do.

:func:`store_login` writes to a :class:`~ocitrace.transport.credentials.CredentialFile`
(:func:`~ocitrace.transport.credentials.login_target` picks it):

* a docker ``config.json``: with ``credHelpers[host]`` or ``credsStore`` configured, the
  helper stores the secret (``docker-credential-X store``, the JSON on stdin) and
  ``auths[key]`` becomes ``{}`` (as docker's native store records the server); otherwise
  ``auths[key].auth`` = base64 ``user:password``.  ``key`` is ``https://index.docker.io/v1/``
  for Docker Hub, ``host[:port]`` for any other registry;
* a containers ``auth.json``: ``auths[host].auth`` (Docker Hub as ``docker.io``, as podman
  writes it).

Every other key of the file is kept; the file is replaced atomically (a temporary file in
the same directory, mode 0600, then ``rename``), through a symbolic link to its target.
:func:`erase_login` removes every ``auths`` spelling of the host and asks the helper to
``erase``.  :func:`check_login` asks the registry's ``/v2/`` with the credentials first.
Secrets are never logged, never put in argv and never in an error message.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, Denied, RegistryError, Unauthorized
from .credentials import (
    CredentialFile,
    _namespace_key,
    call_helper,
    docker_helper_for,
    docker_key,
    helper_failure,
    host_key,
    load_json,
)

if TYPE_CHECKING:
    from .core import Transport

log = logging.getLogger(__name__)

__all__ = ["LoginCheck", "Stored", "check_login", "erase_login", "storage_key", "store_login"]


@dataclass(frozen=True, slots=True)
class Stored:
    """Where a login went (or was removed from): the file, its ``auths`` key(s) and the
    credential helper used (None: inline in the file)."""

    file: CredentialFile
    keys: tuple[str, ...]
    helper: str | None = None

    @property
    def plaintext(self) -> bool:
        """True when the secret sits base64-encoded in the file (no helper)."""
        return self.helper is None


@dataclass(frozen=True, slots=True)
class LoginCheck:
    """What the registry's ``/v2/`` said: whether it asked for authentication at all."""

    registry: str
    auth_required: bool


def storage_key(target: CredentialFile, registry: str) -> str:
    """The ``auths`` key for ``registry`` in ``target`` (docker: ``docker login``'s key;
    containers: ``host[:port]``, Docker Hub as ``docker.io``)."""
    return docker_key(registry) if target.kind == "docker" else host_key(registry)


def _same_host(target: CredentialFile, key: str, registry: str) -> bool:
    if target.kind == "docker":
        return host_key(key) == host_key(registry)
    return _namespace_key(key) == host_key(registry)  # namespace keys (host/ns) are kept


def _auths(config: dict[str, Any], target: CredentialFile) -> dict[str, Any]:
    auths = config.get("auths")
    if auths is None:
        auths = config["auths"] = {}
    if not isinstance(auths, dict):
        raise ConfigError(
            f"{target.path}: 'auths' is not a JSON object",
            input=str(target.path),
            hint="fix or remove the file",
        )
    return auths


def store_login(
    target: CredentialFile,
    registry: str,
    username: str,
    password: str,
    *,
    environ: Mapping[str, str] | None = None,
) -> Stored:
    """Store ``username``/``password`` for ``registry`` in ``target`` (see the module doc)."""
    config = load_json(target.path) or {}
    key = storage_key(target, registry)
    helper = docker_helper_for(config, registry) if target.kind == "docker" else None
    auths = _auths(config, target)
    if helper is not None:
        payload = json.dumps({"ServerURL": key, "Username": username, "Secret": password})
        proc = call_helper(helper, "store", payload, environ=environ)
        if proc.returncode != 0:
            raise helper_failure(helper, proc, "check the credential helper (nothing was stored)")
        entry: dict[str, Any] = {}
    else:
        token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
        old = auths.get(key)
        entry = dict(old) if isinstance(old, dict) else {}
        for stale in ("username", "password", "identitytoken", "registrytoken"):
            entry.pop(stale, None)
        entry["auth"] = token
    auths[key] = entry
    write_config(target.path, config)
    log.debug("stored credentials for %s in %s (%s)", registry, target.path, helper or "inline")
    return Stored(target, (key,), helper)


def erase_login(
    target: CredentialFile, registry: str, *, environ: Mapping[str, str] | None = None
) -> Stored | None:
    """Remove ``registry``'s credentials from ``target`` (every ``auths`` spelling of its
    host; the helper's copy with ``erase``); None when ``target`` held none (as
    ``docker logout``: nothing is asked of a helper then)."""
    config = load_json(target.path)
    if config is None:
        return None
    auths = config.get("auths")
    keys = (
        tuple(k for k in auths if _same_host(target, k, registry))
        if isinstance(auths, dict)
        else ()
    )
    if not keys:
        return None
    helper = docker_helper_for(config, registry) if target.kind == "docker" else None
    if helper is not None:
        for key in keys:
            proc = call_helper(helper, "erase", key, environ=environ)
            if proc.returncode != 0 and "not found" not in (proc.stdout + proc.stderr).lower():
                raise helper_failure(helper, proc, "check the credential helper")
    assert isinstance(auths, dict)
    for key in keys:
        del auths[key]
    write_config(target.path, config)
    return Stored(target, keys, helper)


def write_config(path: Path, config: Mapping[str, Any]) -> None:
    """Replace ``path`` with ``config`` as JSON, atomically, mode 0600 (a symbolic link is
    followed: its target is replaced).  A new directory is created mode 0700."""
    real = Path(os.path.realpath(path))
    directory = real.parent
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{real.name}.", suffix=".tmp", dir=directory)
    except OSError as exc:
        raise ConfigError(
            f"cannot write {path}: {exc.strerror or exc}",
            input=str(path),
            hint="check the directory's permissions, or choose another file "
            "(--authfile, --docker-config)",
        ) from exc
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            os.fchmod(fh.fileno(), 0o600)
            json.dump(config, fh, indent="\t")  # docker's own layout (MarshalIndent "\t")
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, real)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise ConfigError(
                f"cannot write {path}: {exc.strerror or exc}", input=str(path)
            ) from exc
        raise


def check_login(transport: Transport, registry: str, username: str) -> LoginCheck:
    """``GET /v2/`` on ``registry`` through ``transport`` (which holds the credentials to
    check) and its auth flow: Basic, or a token for no particular scope, as ``docker login``
    asks.  A rejected password raises :class:`~ocitrace.errors.Unauthorized`; a token realm
    that would not get the credentials (see :mod:`ocitrace.transport.realm`) is an error
    too, since nothing would have been checked."""
    from .realm import decide

    base = transport.base_url(registry)
    url = f"{base}/v2/"
    resp = transport.request("GET", url, registry=registry, scope=None, stream=False)
    status = resp.status_code
    challenge = transport.auth.challenge(registry)
    if status == 401:
        raise Unauthorized(
            f"{registry}: login failed: the registry rejected the credentials for {username}",
            input=registry,
            hint="check the user name and password (or token); nothing was stored",
            status=401,
        )
    if status == 403:
        raise Denied(
            f"{registry}: login failed: access denied for {username}",
            input=registry,
            hint="the account may be locked or lack access; nothing was stored",
            status=403,
        )
    if status >= 300:
        raise RegistryError(
            f"{registry}: login failed: GET /v2/ answered HTTP {status}",
            input=registry,
            hint="is this a registry (distribution API v2)? nothing was stored",
            status=status,
        )
    if challenge is not None and challenge.scheme != "basic":
        decision = decide(
            challenge.realm or "",
            base,
            allowed_hosts=transport.options.auth_realm_hosts,
            insecure_registries=transport.options.insecure_registries,
            plain_http_ok=transport.plain_http_allowed,
        )
        if not decision.credentials:
            raise Unauthorized(
                f"{registry}: login not checked: the token realm would not receive the "
                f"credentials ({decision.reason})",
                input=registry,
                hint="pass --auth-realm-host HOST if that realm is intended; nothing was stored",
            )
    return LoginCheck(registry, auth_required=challenge is not None)
