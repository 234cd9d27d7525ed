"""Where registry credentials come from, in precedence order.

1. ``--username`` + ``--password-stdin`` (explicit: for the registries in ``explicit_for``,
   or every registry of the run when that is None);
2. Docker config (``$DOCKER_CONFIG/config.json`` or ``~/.docker/config.json``):
   ``credHelpers[host]`` → ``credsStore`` → inline ``auths``;
3. containers auth.json (``REGISTRY_AUTH_FILE``, ``$XDG_RUNTIME_DIR/containers/auth.json``,
   ``$XDG_CONFIG_HOME/containers/auth.json``): the most specific ``host[/namespace]`` key wins.

Helpers speak the docker-credential-helpers protocol; a ``Username`` of ``<token>`` means the
secret is an identity (OAuth2 refresh) token.  Secrets never appear in reprs or logs.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError

log = logging.getLogger(__name__)

TOKEN_USERNAME = "<token>"
DOCKER_HUB_KEY = "https://index.docker.io/v1/"
_HUB_ALIASES = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})
_NOT_FOUND = "credentials not found"
HELPER_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class Credential:
    """What to authenticate with; all-empty means anonymous.  ``source`` says where it came from."""

    username: str = field(default="", repr=True)
    password: str = field(default="", repr=False)
    identity_token: str = field(default="", repr=False)
    registry_token: str = field(default="", repr=False)
    source: str = ""

    @property
    def anonymous(self) -> bool:
        return not (self.password or self.identity_token or self.registry_token)

    @property
    def has_basic(self) -> bool:
        return bool(self.username and self.password)


ANONYMOUS = Credential(source="anonymous")

HelperRunner = Callable[[str, str], "Credential | None"]


def host_key(key: str) -> str:
    """Normalise a config key to ``host[:port]`` (scheme and path dropped; Hub aliases → docker.io)."""
    text = key.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    host = text.split("/", 1)[0].lower()
    return "docker.io" if host in _HUB_ALIASES else host


def _namespace_key(key: str) -> str:
    """``host[:port][/path]`` form for containers auth.json matching (scheme stripped, Hub aliased)."""
    text = key.strip()
    if "://" in text:
        text = text.split("://", 1)[1]
    host, _, path = text.partition("/")
    host = host_key(host)
    if host == "docker.io" and path.startswith("v1"):
        path = ""  # https://index.docker.io/v1/ is the Hub's registry-wide key
    return f"{host}/{path.strip('/')}" if path.strip("/") else host


def helper_urls(registry: str) -> list[str]:
    """Server URLs to try with a credential helper, in the forms docker login stores."""
    host = host_key(registry)
    if host == "docker.io":
        return [DOCKER_HUB_KEY, "index.docker.io", "docker.io", "registry-1.docker.io"]
    return [registry, f"https://{registry}", f"http://{registry}"]


def decode_entry(entry: Mapping[str, Any], source: str) -> Credential | None:
    """One ``auths`` entry → Credential; None when it holds no secret (e.g. ``{}``)."""
    username = str(entry.get("username") or "")
    password = str(entry.get("password") or "")
    raw = entry.get("auth")
    if raw:
        try:
            decoded = base64.b64decode(str(raw), validate=False).decode("utf-8").rstrip("\x00")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"{source}: 'auth' is not base64 of user:password",
                input=source,
                hint="run docker login again or fix the entry",
            ) from exc
        if ":" not in decoded:
            raise ConfigError(
                f"{source}: 'auth' does not hold user:password",
                input=source,
                hint="run docker login again",
            )
        username, password = decoded.split(":", 1)
    identity = str(entry.get("identitytoken") or "")
    registry_token = str(entry.get("registrytoken") or "")
    if username == TOKEN_USERNAME and password and not identity:
        identity, password, username = password, "", ""
    cred = Credential(username, password, identity, registry_token, source)
    return None if cred.anonymous else cred


def run_helper(helper: str, server_url: str, timeout: float = HELPER_TIMEOUT) -> Credential | None:
    """``docker-credential-<helper> get`` for ``server_url``; None when it has nothing stored."""
    program = f"docker-credential-{helper}"
    try:
        proc = subprocess.run(
            [program, "get"],
            input=server_url,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise ConfigError(
            f"credential helper {program} not found on PATH",
            input=program,
            hint="install it or remove it from credsStore/credHelpers in the docker config",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ConfigError(
            f"credential helper {program} did not answer within {timeout:g}s",
            input=program,
            hint="unlock the keychain or check the helper",
        ) from exc
    out = proc.stdout.strip()
    if proc.returncode != 0:
        if _NOT_FOUND in out.lower() or _NOT_FOUND in proc.stderr.lower():
            return None
        first = next(iter((out or proc.stderr.strip()).splitlines()), "")
        if "secret" in first.lower():  # never echo what could be a credential
            first = "(output withheld)"
        raise ConfigError(
            f"credential helper {program} failed (exit {proc.returncode}): {first}".rstrip(": "),
            input=program,
            hint="check the helper, or log in again",
        )
    try:
        reply = json.loads(out)
        username, secret = str(reply.get("Username") or ""), str(reply.get("Secret") or "")
    except (ValueError, AttributeError, RecursionError) as exc:
        raise ConfigError(
            f"credential helper {program} returned unreadable output", input=program
        ) from exc
    if not secret:
        return None
    source = f"{program} ({server_url})"
    if username == TOKEN_USERNAME:
        return Credential(identity_token=secret, source=source)
    return Credential(username=username, password=secret, source=source)


def _load_json(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", input=str(path)) from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"{path} is not UTF-8", input=str(path), hint="fix or remove the file"
        ) from exc
    if not text.strip():
        return None
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ConfigError(
            f"{path} is not valid JSON: {exc}", input=str(path), hint="fix or remove the file"
        ) from exc
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object", input=str(path))
    return data


class CredentialStore:
    """Credential lookup per (registry, repository), memoised; never logs secrets."""

    def __init__(
        self,
        *,
        username: str | None = None,
        password: str | None = None,
        docker_config_dir: str | None = None,
        auth_file: str | None = None,
        environ: Mapping[str, str] | None = None,
        helper: HelperRunner = run_helper,
        explicit_for: frozenset[str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        # registries (``host[:port]``) the explicit credential may go to; None: every one
        self._explicit_for = (
            None if explicit_for is None else frozenset(host_key(r) for r in explicit_for)
        )
        self._explicit = (
            Credential(username or "", password or "", source="--username/--password-stdin")
            if password
            else None
        )
        if self._explicit and self._explicit.username == TOKEN_USERNAME:
            self._explicit = Credential(identity_token=password or "", source=self._explicit.source)
        config_dir = (
            docker_config_dir
            or env.get("DOCKER_CONFIG")
            or str(Path(env.get("HOME") or Path.home()) / ".docker")
        )
        self._docker_config = Path(config_dir) / "config.json"
        self._auth_files = _auth_file_candidates(auth_file, env)
        self._helper = helper
        self._memo: dict[tuple[str, str], Credential] = {}
        self._lock = threading.Lock()

    def lookup(self, registry: str, repository: str = "") -> Credential:
        """Credentials for ``registry`` (``host[:port]`` or ``docker.io``); ANONYMOUS when none."""
        key = (registry, repository)
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        explicit = self._explicit
        if explicit is not None and self._explicit_for is not None:
            explicit = explicit if host_key(registry) in self._explicit_for else None
        cred = (
            explicit
            or self._from_docker(registry)
            or self._from_containers(registry, repository)
            or ANONYMOUS
        )
        log.debug("credentials for %s: %s", registry, cred.source)
        with self._lock:
            self._memo[key] = cred
        return cred

    def _from_docker(self, registry: str) -> Credential | None:
        config = _load_json(self._docker_config)
        if config is None:
            return None
        source = str(self._docker_config)
        host = host_key(registry)
        helpers = config.get("credHelpers") or {}
        helper = (
            next((str(v) for k, v in helpers.items() if host_key(k) == host), None)
            if isinstance(helpers, dict)
            else None
        )
        helper = helper or (str(config["credsStore"]) if config.get("credsStore") else None)
        if helper:
            for url in helper_urls(registry):
                if (cred := self._helper(helper, url)) is not None:
                    return cred
        return _match_auths(config.get("auths"), host, source)

    def _from_containers(self, registry: str, repository: str) -> Credential | None:
        for path in self._auth_files:
            config = _load_json(path)
            if config is None:
                continue
            auths = config.get("auths")
            if not isinstance(auths, dict):
                continue
            by_key = {_namespace_key(k): v for k, v in auths.items() if isinstance(v, dict)}
            for candidate in _namespaces(host_key(registry), repository):
                if candidate in by_key and (
                    cred := decode_entry(by_key[candidate], f"{path} [{candidate}]")
                ):
                    return cred
        return None


def _match_auths(auths: object, host: str, source: str) -> Credential | None:
    if not isinstance(auths, dict):
        return None
    for key, entry in auths.items():
        if isinstance(entry, dict) and host_key(key) == host:
            cred = decode_entry(entry, f"{source} [{key}]")
            if cred is not None:
                return cred
    return None


def _namespaces(host: str, repository: str) -> list[str]:
    """``quay.io/a/b`` → [``quay.io/a/b``, ``quay.io/a``, ``quay.io``]: most specific first."""
    parts = [p for p in repository.split("/") if p]
    return [f"{host}/{'/'.join(parts[:n])}" for n in range(len(parts), 0, -1)] + [host]


def _auth_file_candidates(explicit: str | None, env: Mapping[str, str]) -> list[Path]:
    """The primary file (option, else REGISTRY_AUTH_FILE, else the runtime dir), then XDG config."""
    out: list[Path] = []
    primary = explicit or env.get("REGISTRY_AUTH_FILE")
    if primary:
        out.append(Path(primary))
    elif env.get("XDG_RUNTIME_DIR"):
        out.append(Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json")
    config_home = env.get("XDG_CONFIG_HOME") or (
        str(Path(env["HOME"]) / ".config") if env.get("HOME") else ""
    )
    if config_home:
        out.append(Path(config_home) / "containers" / "auth.json")
    return out
