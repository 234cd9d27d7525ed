"""Where registry credentials come from, in precedence order.

1. ``--username`` + ``--password-stdin`` (explicit: for the registries in ``explicit_for``,
   or every registry of the run when that is None);
2. then the credential files of :func:`credential_files`, first match wins:
   ``--authfile FILE`` (containers auth.json), ``--docker-config DIR`` (docker config),
   ``$REGISTRY_AUTH_FILE`` (unless ``--authfile``), ``$DOCKER_CONFIG/config.json`` or
   ``~/.docker/config.json`` (unless ``--docker-config``),
   ``$XDG_RUNTIME_DIR/containers/auth.json`` (when neither auth file is named),
   ``$XDG_CONFIG_HOME/containers/auth.json``.  The first of them is where
   ``ocitrace login`` writes (:func:`login_target`).

In a docker config: ``credHelpers[host]`` → ``credsStore`` → inline ``auths`` (the exact
key ``docker login`` writes first); in an auth.json the most specific
``host[/namespace]`` key wins.  Helpers speak the docker-credential-helpers protocol and
are found on the ``PATH`` of the run's environment (``environ``), not the process's; a
``Username`` of ``<token>`` means the secret is an identity (OAuth2 refresh) token.
Secrets never appear in reprs, logs or helper command lines.
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from ..errors import ConfigError
from ..lazylog import getLogger

if TYPE_CHECKING:
    import subprocess

log = getLogger(__name__)  # logging itself: imported when a record can be emitted

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


def docker_key(registry: str) -> str:
    """The ``auths`` key (and helper server URL) ``docker login`` uses for ``registry``:
    ``https://index.docker.io/v1/`` for Docker Hub, else ``host[:port]``."""
    host = host_key(registry)
    return DOCKER_HUB_KEY if host == "docker.io" else host


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


def helper_program(helper: str, environ: Mapping[str, str] | None = None) -> str:
    """The path of ``docker-credential-<helper>`` on ``environ``'s PATH (the process's when
    ``environ`` is None or has no PATH); ConfigError when it is not there."""
    program = f"docker-credential-{helper}"
    if not helper or os.sep in helper or (os.altsep and os.altsep in helper):
        raise ConfigError(
            f"credential helper name {helper!r} is not a plain name",
            input=helper,
            hint="credsStore/credHelpers name the part after docker-credential-",
        )
    search = (environ or {}).get("PATH") or os.environ.get("PATH") or os.defpath
    import shutil  # (with subprocess: only when a credential helper is configured)

    found = shutil.which(program, path=search)
    if found is None:
        raise ConfigError(
            f"credential helper {program} not found on PATH",
            input=program,
            hint="install it or remove it from credsStore/credHelpers in the docker config",
        )
    return found


def call_helper(
    helper: str,
    action: str,
    stdin: str,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = HELPER_TIMEOUT,
) -> subprocess.CompletedProcess[str]:
    """Run ``docker-credential-<helper> ACTION`` with ``stdin`` (secrets go there, never in
    argv), found on and run with ``environ`` (default: the process's)."""
    import subprocess

    program = f"docker-credential-{helper}"
    path = helper_program(helper, environ)
    try:
        return subprocess.run(
            [path, action],
            input=stdin,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            env=None if environ is None else dict(environ),
        )
    except FileNotFoundError as exc:
        raise ConfigError(
            f"credential helper {program} not found on PATH",
            input=program,
            hint="install it or remove it from credsStore/credHelpers in the docker config",
        ) from exc
    except OSError as exc:
        raise ConfigError(
            f"credential helper {program} cannot be run: {exc.strerror or exc}",
            input=program,
            hint="check the helper's permissions",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise ConfigError(
            f"credential helper {program} did not answer within {timeout:g}s",
            input=program,
            hint="unlock the keychain or check the helper",
        ) from exc


def helper_failure(helper: str, proc: subprocess.CompletedProcess[str], hint: str) -> ConfigError:
    """The ConfigError for a helper that exited non-zero (its output withheld when it could
    hold a secret)."""
    program = f"docker-credential-{helper}"
    first = next(iter((proc.stdout.strip() or proc.stderr.strip()).splitlines()), "")
    if "secret" in first.lower() or "password" in first.lower():
        first = "(output withheld)"
    return ConfigError(
        f"credential helper {program} failed (exit {proc.returncode}): {first}".rstrip(": "),
        input=program,
        hint=hint,
    )


def run_helper(
    helper: str,
    server_url: str,
    timeout: float = HELPER_TIMEOUT,
    *,
    environ: Mapping[str, str] | None = None,
) -> Credential | None:
    """``docker-credential-<helper> get`` for ``server_url``; None when it has nothing stored."""
    program = f"docker-credential-{helper}"
    proc = call_helper(helper, "get", server_url, environ=environ, timeout=timeout)
    out = proc.stdout.strip()
    if proc.returncode != 0:
        if _NOT_FOUND in out.lower() or _NOT_FOUND in proc.stderr.lower():
            return None
        raise helper_failure(helper, proc, "check the helper, or log in again")
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


def load_json(path: Path) -> dict[str, Any] | None:
    """A credential file's JSON object; None when the file is missing or empty."""
    return _load_json(path)


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


@dataclass(frozen=True, slots=True)
class CredentialFile:
    """One place credentials are read from: a docker ``config.json`` (``kind="docker"``:
    helpers, ``auths``) or a containers ``auth.json`` (``kind="containers"``)."""

    kind: Literal["docker", "containers"]
    path: Path
    origin: str  # what named it: "--authfile", "REGISTRY_AUTH_FILE", "DOCKER_CONFIG", ...


def credential_files(
    *,
    docker_config_dir: str | None = None,
    auth_file: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[CredentialFile]:
    """The credential files in lookup order (see the module docstring); the first one is
    where ``ocitrace login`` writes.  An explicit option beats an environment variable."""
    env = os.environ if environ is None else environ
    out: list[CredentialFile] = []
    if auth_file:
        out.append(CredentialFile("containers", Path(auth_file), "--authfile"))
    if docker_config_dir:
        out.append(
            CredentialFile("docker", Path(docker_config_dir) / "config.json", "--docker-config")
        )
    if not auth_file and env.get("REGISTRY_AUTH_FILE"):
        out.append(
            CredentialFile("containers", Path(env["REGISTRY_AUTH_FILE"]), "REGISTRY_AUTH_FILE")
        )
    if not docker_config_dir:
        if env.get("DOCKER_CONFIG"):
            out.append(
                CredentialFile(
                    "docker", Path(env["DOCKER_CONFIG"]) / "config.json", "DOCKER_CONFIG"
                )
            )
        else:
            home = Path(env.get("HOME") or Path.home())
            out.append(CredentialFile("docker", home / ".docker" / "config.json", "~/.docker"))
    if not auth_file and not env.get("REGISTRY_AUTH_FILE") and env.get("XDG_RUNTIME_DIR"):
        out.append(
            CredentialFile(
                "containers",
                Path(env["XDG_RUNTIME_DIR"]) / "containers" / "auth.json",
                "XDG_RUNTIME_DIR",
            )
        )
    config_home = env.get("XDG_CONFIG_HOME") or (
        str(Path(env["HOME"]) / ".config") if env.get("HOME") else ""
    )
    if config_home:
        out.append(
            CredentialFile(
                "containers", Path(config_home) / "containers" / "auth.json", "XDG_CONFIG_HOME"
            )
        )
    return out


def login_target(
    *,
    docker_config_dir: str | None = None,
    auth_file: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> CredentialFile:
    """Where ``ocitrace login`` stores credentials: the first of :func:`credential_files`
    (``--authfile`` > ``--docker-config`` > ``REGISTRY_AUTH_FILE`` > ``DOCKER_CONFIG`` >
    ``~/.docker/config.json``)."""
    return credential_files(
        docker_config_dir=docker_config_dir, auth_file=auth_file, environ=environ
    )[0]


def docker_helper_for(config: Mapping[str, Any], registry: str) -> str | None:
    """The credential helper a docker config names for ``registry``: ``credHelpers[host]``,
    else ``credsStore``; None for inline ``auths``."""
    host = host_key(registry)
    helpers = config.get("credHelpers") or {}
    helper = (
        next((str(v) for k, v in helpers.items() if host_key(k) == host), None)
        if isinstance(helpers, dict)
        else None
    )
    return helper or (str(config["credsStore"]) if config.get("credsStore") else None)


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
        helper: HelperRunner | None = None,
        explicit_for: frozenset[str] | None = None,
    ) -> None:
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
        self._files = credential_files(
            docker_config_dir=docker_config_dir, auth_file=auth_file, environ=environ
        )
        self._helper: HelperRunner = helper or (
            lambda name, url: run_helper(name, url, environ=environ)
        )
        self._memo: dict[tuple[str, str], Credential] = {}
        self._lock = threading.Lock()

    @property
    def files(self) -> tuple[CredentialFile, ...]:
        """The credential files consulted, in order."""
        return tuple(self._files)

    def lookup(self, registry: str, repository: str = "") -> Credential:
        """Credentials for ``registry`` (``host[:port]`` or ``docker.io``); ANONYMOUS when none."""
        key = (registry, repository)
        with self._lock:
            if key in self._memo:
                return self._memo[key]
        explicit = self._explicit
        if explicit is not None and self._explicit_for is not None:
            explicit = explicit if host_key(registry) in self._explicit_for else None
        cred = explicit
        for place in self._files:
            if cred is not None:
                break
            if place.kind == "docker":
                cred = self._from_docker(place.path, registry)
            else:
                cred = self._from_containers(place.path, registry, repository)
        cred = cred or ANONYMOUS
        log.debug("credentials for %s: %s", registry, cred.source)
        with self._lock:
            self._memo[key] = cred
        return cred

    def _from_docker(self, path: Path, registry: str) -> Credential | None:
        config = _load_json(path)
        if config is None:
            return None
        helper = docker_helper_for(config, registry)
        if helper:
            for url in helper_urls(registry):
                if (cred := self._helper(helper, url)) is not None:
                    return cred
        return _match_auths(config.get("auths"), registry, str(path))

    def _from_containers(self, path: Path, registry: str, repository: str) -> Credential | None:
        config = _load_json(path)
        if config is None:
            return None
        auths = config.get("auths")
        if not isinstance(auths, dict):
            return None
        by_key = {_namespace_key(k): v for k, v in auths.items() if isinstance(v, dict)}
        for candidate in _namespaces(host_key(registry), repository):
            if candidate in by_key and (
                cred := decode_entry(by_key[candidate], f"{path} [{candidate}]")
            ):
                return cred
        return None


def _match_auths(auths: object, registry: str, source: str) -> Credential | None:
    """The ``auths`` entry for ``registry``: the key ``docker login`` writes first, then any
    other spelling of the same host (``https://host``, ``http://host/``)."""
    if not isinstance(auths, dict):
        return None
    host = host_key(registry)
    exact = docker_key(registry)
    ordered = sorted(auths.items(), key=lambda item: item[0] != exact)
    for key, entry in ordered:
        if isinstance(entry, dict) and host_key(key) == host:
            cred = decode_entry(entry, f"{source} [{key}]")
            if cred is not None:
                return cred
    return None


def _namespaces(host: str, repository: str) -> list[str]:
    """``quay.io/a/b`` → [``quay.io/a/b``, ``quay.io/a``, ``quay.io``]: most specific first."""
    parts = [p for p in repository.split("/") if p]
    return [f"{host}/{'/'.join(parts[:n])}" for n in range(len(parts), 0, -1)] + [host]
