"""Registry options shared by every command that talks to a registry.

``add_registry_options(parser)`` adds the flags; ``transport_from_args`` /
``client_from_args`` / ``open_source_from_args`` turn them into library objects.  The
password is only ever read from stdin (``--password-stdin``), never from argv (which other
users can see in ``ps``), and it is never logged.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Iterable
from typing import TextIO

from ..errors import ConfigError, ReferenceError, Unauthorized, UsageError
from ..opener import open_layout, open_source
from ..reference import LayoutReference, Reference, parse_any
from ..registry import Limits, RegistryClient
from ..source import Source
from ..transport import Transport, TransportOptions

_SIZE = re.compile(r"(\d+)\s*([kmg]?)(i?b?)", re.IGNORECASE)
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


def add_registry_options(parser: argparse.ArgumentParser) -> None:
    """Add the registry connection flags to ``parser`` (one group)."""
    group = parser.add_argument_group("registry options")
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
        action="store_true",
        help="do not verify TLS certificates (dangerous); loopback registries then use HTTPS",
    )
    group.add_argument("--username", metavar="USER", help="log in as USER (with --password-stdin)")
    group.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password (or token) for --username from stdin",
    )
    group.add_argument(
        "--timeout",
        metavar="SECONDS",
        type=_positive_float,
        default=30.0,
        help="seconds to wait on each HTTP request attempt; connection failures and "
        f"timeouts are retried up to {TransportOptions().retries} times (default: 30)",
    )
    group.add_argument(
        "--max-blob-size",
        metavar="SIZE",
        type=parse_size,
        default=Limits().blob,
        help="largest config/attestation blob read into memory (default: 64MiB)",
    )


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


def transport_options_from_args(
    args: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    credentials_for: Iterable[str] | None = None,
) -> TransportOptions:
    """TransportOptions from the flags (reads the password from stdin when asked).

    ``credentials_for``: the registries (``host[:port]``) named on the command line; the
    ``--username`` credentials are sent to those only, never to a registry that an input
    list, a redirect or a base-image lookup leads to (use :func:`registries_of` on the
    command's reference arguments).  None sends them to every registry of the run.

    The password is registered with the run's redactor (``args.redactor``, set by
    ``main``) so that no log line or error message can echo it.
    """
    username = getattr(args, "username", None)
    password: str | None = None
    if getattr(args, "password_stdin", False):
        if not username:
            raise UsageError(
                "--password-stdin needs --username",
                input="--password-stdin",
                hint="add --username USER",
            )
        password = _read_password(stdin or sys.stdin, username)
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
        _check_ca_cert(ca_cert)
    return TransportOptions(
        timeout=getattr(args, "timeout", None) or 30.0,
        ca_cert=ca_cert,
        insecure_skip_verify=bool(getattr(args, "insecure_skip_tls_verify", False)),
        insecure_registries=frozenset(getattr(args, "insecure_registry", None) or ()),
        username=username,
        password=password,
        credential_registries=None if credentials_for is None else frozenset(credentials_for),
    )


def _check_ca_cert(path: str) -> None:
    """Fail early, naming the flag, when ``--ca-cert`` is not a readable PEM file."""
    hint = "give the registry CA's certificate as a PEM file (-----BEGIN CERTIFICATE-----)"
    if not os.path.isfile(path):
        what = "is a directory" if os.path.isdir(path) else "no such file"
        raise ConfigError(f"--ca-cert {path}: {what}", input=path, hint=hint)
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 20)
    except OSError as exc:
        raise ConfigError(
            f"--ca-cert {path}: cannot read ({exc.strerror})", input=path, hint=hint
        ) from exc
    if b"-----BEGIN CERTIFICATE-----" not in head:
        raise ConfigError(
            f"--ca-cert {path}: no PEM certificate in the file", input=path, hint=hint
        )


def transport_from_args(
    args: argparse.Namespace, *, credentials_for: Iterable[str] | None = None
) -> Transport:
    """The one Transport of this run, built from the registry flags (``credentials_for``:
    see :func:`transport_options_from_args`)."""
    return Transport(transport_options_from_args(args, credentials_for=credentials_for))


def limits_from_args(args: argparse.Namespace) -> Limits:
    """Size limits from ``--max-blob-size`` (manifest cap stays at its default)."""
    return Limits(blob=getattr(args, "max_blob_size", None) or Limits().blob)


def client_from_args(
    args: argparse.Namespace,
    transport: Transport | None = None,
    *,
    credentials_for: Iterable[str] | None = None,
) -> RegistryClient:
    """A RegistryClient with the run's transport and limits (``credentials_for``: see
    :func:`transport_options_from_args`; unused when ``transport`` is given)."""
    return RegistryClient(
        transport or transport_from_args(args, credentials_for=credentials_for),
        limits=limits_from_args(args),
    )


def open_source_from_args(
    args: argparse.Namespace, ref: str | Reference | LayoutReference
) -> tuple[Source, Reference | LayoutReference]:
    """Parse ``ref`` and open its Source (a layout, or a registry repository), with the
    run's size caps; ``--username`` credentials go to that reference's registry only.

    The transport (and a ``--password-stdin`` read) is only made for registry references.
    """
    parsed = parse_any(ref) if isinstance(ref, str) else ref
    if isinstance(parsed, LayoutReference):
        return open_layout(parsed, limits_from_args(args)), parsed
    client = client_from_args(args, credentials_for=registries_of([parsed]))
    return open_source(parsed, client.transport, client=client)


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
