"""What every command shares: the registry flags and :func:`client_from_args`.

``add_registry_options(parser)`` adds the flags; ``client_from_args(args)`` turns them into
the run's one :class:`~ocitrace.Client` (which builds the transport, registry client and
sources itself, on first use).  A command is these flags + one ``Client`` call + printing.
The password is only ever read from stdin (``--password-stdin``), never from argv (which
other users can see in ``ps``), and it is never logged.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any, TextIO

from ..errors import ReferenceError, Unauthorized, UsageError
from ..lazyre import lazy
from ..oci.limits import Limits
from ..reference import LayoutReference, Reference, parse_any

if TYPE_CHECKING:
    from ..api import Client

#: attempts after the first for a connection failure or timeout (the transport's default)
RETRIES = 4

_SIZE = lazy(r"(\d+)\s*([kmg]?)(i?b?)", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


def parse_size(text: str) -> int:
    """``65536``, ``64K``, ``64MiB``, ``1G`` → bytes (binary units); argparse type."""
    match = _SIZE.fullmatch(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"invalid size {text!r} (e.g. 65536, 64KiB, 64MiB, 1GiB)")
    return int(match.group(1)) * _UNITS[match.group(2).lower()]


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"invalid number of seconds {text!r}")
    if value <= 0:
        raise argparse.ArgumentTypeError(f"timeout must be positive, not {text!r}")
    return value


#: the credential lookup order, for --help (ocitrace/transport/credentials.py implements it)
CREDENTIALS_HELP = (
    "credentials: --username/--password-stdin, else the first of these files that holds\n"
    "the registry: --authfile FILE, --docker-config DIR/config.json, $REGISTRY_AUTH_FILE,\n"
    "$DOCKER_CONFIG/config.json or ~/.docker/config.json, $XDG_RUNTIME_DIR/containers/\n"
    "auth.json, ~/.config/containers/auth.json (ocitrace login writes to the first one)"
)


def add_registry_options(parser: argparse.ArgumentParser, *, credentials: bool = True) -> None:
    """Add the registry connection flags to ``parser`` (one group).

    ``credentials=False`` leaves out ``--username``/``--password-stdin`` (``login`` has
    its own) but keeps ``--authfile``/``--docker-config``."""
    group = parser.add_argument_group("registry options", CREDENTIALS_HELP)
    group.add_argument(
        "--auth-realm-host",
        metavar="HOST",
        action="append",
        default=[],
        help="also send credentials to (and allow contacting) the token realm on HOST, when "
        "it is neither the registry's host nor in its domain (repeatable)",
    )
    group.add_argument(
        "--insecure-registry",
        metavar="HOST",
        action="append",
        default=[],
        help="speak plain HTTP to HOST[:PORT], and allow redirects and token realms on it over "
        "plain HTTP (repeatable); loopback registries use plain HTTP unless a TLS option is given",
    )
    group.add_argument(
        "--ca-cert",
        metavar="FILE",
        help="also trust the CA certificate(s) in FILE (PEM); loopback registries then use "
        "HTTPS (unless listed with --insecure-registry)",
    )
    group.add_argument(
        "--insecure-skip-tls-verify",
        "--insecure",
        action="store_true",
        dest="insecure_skip_tls_verify",
        help="do not verify TLS certificates (dangerous; --insecure as crane and oras spell "
        "it); loopback registries then use HTTPS; for plain HTTP use --insecure-registry",
    )
    if credentials:
        group.add_argument(
            "--username", metavar="USER", help="log in as USER (with --password-stdin)"
        )
        group.add_argument(
            "--password-stdin",
            action="store_true",
            help="read the password (or token) for --username from stdin",
        )
    group.add_argument(
        "--authfile",
        metavar="FILE",
        help="read credentials from FILE (containers auth.json, as podman/skopeo) before any "
        "other file; default $REGISTRY_AUTH_FILE; ocitrace login writes there",
    )
    group.add_argument(
        "--docker-config",
        metavar="DIR",
        help="the docker config directory (DIR/config.json) instead of $DOCKER_CONFIG or ~/.docker",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=30.0,
        help="seconds to wait on each HTTP request attempt; connection failures and "
        f"timeouts are retried up to {RETRIES} times (default: 30)",
    )
    group.add_argument(
        "--max-blob-size",
        metavar="SIZE",
        type=parse_size,
        default=Limits().blob,
        help="largest config/attestation blob read into memory (default: 64MiB)",
    )


PLATFORM_METAVAR = "OS/ARCH[/VARIANT]"


def add_platform_option(p: argparse._ActionsContainer, *, help: str) -> None:
    """``--platform``, the same in every command: repeatable and comma-separated
    (``--platform linux/amd64,linux/arm64``); the ``Client`` splits and parses the values,
    and raises NotFound listing the image's platforms when none matches."""
    p.add_argument(
        "--platform",
        action="append",
        default=[],
        type=platform_list,
        metavar=PLATFORM_METAVAR,
        help=help,
    )


def platform_list(text: str) -> str:
    """argparse type: ``text`` checked as one or more comma-separated platforms (a bad one
    is a usage error before any request); kept as text for the ``Client``."""
    from ..oci.platform import parse_platform

    parts = [part.strip() for part in text.split(",") if part.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f"invalid platform {text!r} (e.g. linux/arm64)")
    for part in parts:
        parse_platform(part)
    return text


def _read_password(stdin: TextIO, username: str) -> str:
    """The first line of stdin; at a terminal, a no-echo prompt instead of a silent wait."""
    if stdin.isatty():
        import getpass

        return getpass.getpass(f"Password for {username}: ")
    password = stdin.readline().rstrip("\r\n")
    if not password:
        raise UsageError(
            "--password-stdin: no password on stdin (it reads the first line)",
            input="--password-stdin",
            hint='pipe it in: echo "$PASSWORD" | ocitrace ... --username USER --password-stdin',
        )
    return password


def registries_of(refs: Iterable[str | Reference | LayoutReference]) -> frozenset[str]:
    """The registries (``host[:port]``, Docker Hub as ``docker.io``) that ``refs`` name.

    Layout references name none; text that does not parse is skipped (the command reports
    it when it gets there), so the set never holds more than the command line asked for.
    """
    out: set[str] = set()
    for ref in refs:
        try:
            parsed = parse_any(ref) if isinstance(ref, str) else ref
        except ReferenceError:
            continue
        if isinstance(parsed, Reference) and parsed.registry:
            out.add(parsed.registry)
    return frozenset(out)


def client_from_args(
    args: argparse.Namespace,
    *,
    refs: Iterable[str | Reference | LayoutReference]
    | Callable[[], Iterable[str | Reference | LayoutReference]]
    | None = None,
    registries: Iterable[str] | None = None,
    concurrency: int | None = None,
    sleep: Callable[[float], None] | None = None,
) -> Client:
    """The run's one :class:`~ocitrace.Client`, configured from the registry flags.

    ``refs``: the references named on the command line (or a function returning them,
    called after the password is read: ``digest -`` reads both from stdin); ``--username``
    credentials are sent to their registries only, never to a registry that an input list,
    a redirect or a base-image lookup leads to (None sends them everywhere); ``registries``
    adds registries by name (``audit`` targets).  ``concurrency``: requests in
    flight (``-j``).  The password (``--password-stdin``) is read here, before any input
    list, and registered with the run's redactor (``args.redactor``, set by ``main``) so that
    no log line or error message can echo it.  Nothing touches the network until a
    ``Client`` call needs it.
    """
    from ..api import Client, check_ca_cert

    username = getattr(args, "username", None)
    password: str | None = None
    if getattr(args, "password_stdin", False):
        if not username:
            raise UsageError(
                "--password-stdin needs --username",
                input="--password-stdin",
                hint="add --username USER",
            )
        password = _read_password(getattr(args, "stdin", None) or sys.stdin, username)
        redactor = getattr(args, "redactor", None)
        if redactor is not None:
            redactor.add(password)
    elif username:
        raise UsageError(
            "--username needs --password-stdin",
            input="--username",
            hint='pipe the password: echo "$PASSWORD" | ocitrace ... --username USER --password-stdin',
        )
    ca_cert = getattr(args, "ca_cert", None)
    if ca_cert is not None:
        check_ca_cert(ca_cert, what="--ca-cert")
    environ: Mapping[str, str] | None = getattr(args, "environ", None)
    if environ is os.environ:
        environ = None
    kwargs: dict[str, Any] = {}
    if concurrency is not None:
        kwargs["concurrency"] = max(1, concurrency)
    return Client(
        insecure_registries=tuple(getattr(args, "insecure_registry", None) or ()),
        ca_cert=ca_cert,
        insecure_skip_tls_verify=bool(getattr(args, "insecure_skip_tls_verify", False)),
        username=username,
        password=password,
        timeout=getattr(args, "timeout", None) or 30.0,
        max_blob_size=getattr(args, "max_blob_size", None),
        credential_registries=_credential_registries(refs, registries),
        docker_config_dir=getattr(args, "docker_config", None),
        auth_file=getattr(args, "authfile", None),
        auth_realm_hosts=tuple(getattr(args, "auth_realm_host", None) or ()),
        environ=environ,
        sleep=sleep,
        **kwargs,
    )


def _credential_registries(
    refs: Iterable[str | Reference | LayoutReference]
    | Callable[[], Iterable[str | Reference | LayoutReference]]
    | None,
    registries: Iterable[str] | None,
) -> frozenset[str] | None:
    if refs is None and registries is None:
        return None
    named = set(registries or ())
    if refs is not None:
        named |= registries_of(refs() if callable(refs) else refs)
    return frozenset(named)


def write_bytes(stream: IO[str], data: bytes) -> None:
    """Write ``data`` unchanged to a text stream's binary buffer (manifests, SBOMs)."""
    stream.flush()
    buffer = getattr(stream, "buffer", None)
    if buffer is not None:
        buffer.write(data)
        buffer.flush()
    else:  # an in-memory text stream without a buffer: keep every byte recoverable
        stream.write(data.decode("utf-8", "surrogateescape"))
        stream.flush()


def cli_hint(exc: BaseException, args: argparse.Namespace) -> str | None:
    """A better hint than the library's when the flags explain the error, else None.

    The library cannot tell "no credentials" from "credentials given on the command line
    and rejected"; the CLI can.
    """
    if isinstance(exc, Unauthorized) and getattr(args, "password_stdin", False):
        user = getattr(args, "username", None) or "the user"
        return (
            f"the registry rejected the password for {user} (read from the first line of "
            "stdin by --password-stdin); check the user name and password"
        )
    return None
