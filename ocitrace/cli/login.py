"""``ocitrace login REGISTRY`` and ``ocitrace logout REGISTRY``, as ``docker login``/``logout``.

Flags + one ``Client`` call (:meth:`~ocitrace.Client.login` / :meth:`~ocitrace.Client.logout`)
+ printing.  The password comes from stdin (``--password-stdin``), a no-echo prompt at a
terminal, or ``-p`` (discouraged: other users see argv in ``ps``; a warning says so, as
docker's does).  It is registered with the run's redactor and never printed.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..errors import UsageError
from .common import add_registry_options, client_from_args

LOGIN_EPILOG = """\
The credentials are checked first (GET /v2/ through the registry's auth flow: Basic, or a
token as docker login asks for one); a rejected password exits 5 and writes nothing.
They are then stored where docker login would store them, in the first of:
  --authfile FILE        containers auth.json (podman/skopeo format): auths[host].auth
  --docker-config DIR    DIR/config.json
  $REGISTRY_AUTH_FILE    containers auth.json
  $DOCKER_CONFIG/config.json, else ~/.docker/config.json
In a docker config with credsStore or credHelpers[host], the credential helper
(docker-credential-NAME store, found on PATH) keeps the secret and auths[key] is {};
otherwise auths[key].auth is base64 of user:password (not encrypted: a warning says so).
Docker Hub (docker.io, index.docker.io) is stored as https://index.docker.io/v1/, any other
registry as host[:port].  The file is replaced atomically, mode 0600, every other key kept.

examples:
  echo "$TOKEN" | ocitrace login ghcr.io -u octocat --password-stdin
  ocitrace login 127.0.0.1:5000 -u alice                 (prompts for the password)
  ocitrace login --authfile ./auth.json quay.io -u bot --password-stdin < pw.txt
  REGISTRY_AUTH_FILE=$XDG_RUNTIME_DIR/containers/auth.json ocitrace login ...
"""

LOGOUT_EPILOG = """\
Removes REGISTRY's credentials from the file ocitrace login writes (see ocitrace login
--help for which): every auths spelling of the host (host, https://host, http://host/),
and the credential helper's copy (docker-credential-NAME erase).  Not logged in there:
says so and exits 0, as docker logout does.

examples:
  ocitrace logout ghcr.io
  ocitrace logout --authfile ./auth.json quay.io
"""

#: docker's own wording (cli/command/registry/login.go)
INSECURE_PASSWORD_WARNING = (
    "WARNING! Using --password via the CLI is insecure. Use --password-stdin."
)


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "login",
        help="log in to a registry (stores credentials like docker login)",
        description="Check credentials against REGISTRY, then store them like docker login.",
        epilog=LOGIN_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "registry",
        metavar="REGISTRY",
        nargs="?",
        default="docker.io",
        help="host[:port] (a https:// URL is accepted); default docker.io",
    )
    p.add_argument(
        "-u", "--username", dest="user", metavar="USER", help="user name (prompted at a terminal)"
    )
    secret = p.add_mutually_exclusive_group()
    secret.add_argument(
        "--password-stdin",
        dest="stdin_password",
        action="store_true",
        help="read the password (or token) from stdin (all of it, one trailing newline dropped)",
    )
    secret.add_argument(
        "-p",
        "--password",
        metavar="PASSWORD",
        help="the password on the command line (insecure: visible in ps; use --password-stdin)",
    )
    add_registry_options(p, credentials=False)
    p.set_defaults(func=run)


def register_logout(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "logout",
        help="remove a registry's stored credentials (like docker logout)",
        description="Remove REGISTRY's credentials from the file ocitrace login writes.",
        epilog=LOGOUT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "registry",
        metavar="REGISTRY",
        nargs="?",
        default="docker.io",
        help="host[:port]; default docker.io",
    )
    add_registry_options(p, credentials=False)
    p.set_defaults(func=run_logout)


def _username(args: argparse.Namespace) -> str:
    if args.user:
        return str(args.user)
    stdin = args.stdin
    if not args.stdin_password and stdin.isatty():
        args.stderr.write("Username: ")
        args.stderr.flush()
        name = str(stdin.readline()).strip()
        if name:
            return name
    raise UsageError(
        "login needs a user name",
        input="--username",
        hint="add -u USER (with --password-stdin, or -p, or at a terminal for a prompt)",
    )


def _password(args: argparse.Namespace, username: str) -> str:
    if args.password is not None:
        print(INSECURE_PASSWORD_WARNING, file=args.stderr)
        password = str(args.password)
    elif args.stdin_password:
        # as docker: all of stdin, minus one trailing newline (and a CR before it)
        password = args.stdin.read().removesuffix("\n").removesuffix("\r")
    elif args.stdin.isatty():
        import getpass

        password = getpass.getpass(f"Password for {username}: ")
    else:
        raise UsageError(
            "login needs a password: stdin is not a terminal",
            input="--password-stdin",
            hint=f'pipe it: echo "$PASSWORD" | ocitrace login -u {username} --password-stdin '
            f"{args.registry}",
        )
    if not password:
        raise UsageError(
            "login: the password is empty",
            input="--password-stdin" if args.stdin_password else "--password",
            hint="give the password (or token) on stdin with --password-stdin",
        )
    args.redactor.add(password)
    return password


def run(args: argparse.Namespace) -> int:
    username = _username(args)
    password = _password(args, username)
    with client_from_args(args, registries=()) as oc:
        result = oc.login(args.registry, username, password)
    if not result.auth_required:
        print(
            f"note: {result.registry} answered without asking for credentials; stored anyway",
            file=args.stderr,
        )
    if result.plaintext:
        print(
            f"WARNING! Your password will be stored unencrypted in {result.path}.\n"
            "Configure a credential helper (credsStore in the docker config) to remove this "
            "warning.",
            file=args.stderr,
        )
    else:
        print(f"credentials stored by docker-credential-{result.helper}", file=args.stderr)
    print("Login Succeeded", file=args.stdout)
    return 0


def run_logout(args: argparse.Namespace) -> int:
    with client_from_args(args, registries=()) as oc:
        result = oc.logout(args.registry)
        left = oc.credential_source(args.registry)
    if result is None:
        print(f"Not logged in to {args.registry}", file=args.stdout)
    else:
        where = f" and docker-credential-{result.helper}" if result.helper else ""
        keys = ", ".join(result.keys or (result.key,))
        print(f"Removing login credentials for {keys} from {result.path}{where}", file=args.stdout)
    if left != "anonymous" and not left.startswith("anonymous"):
        print(f"note: credentials for {args.registry} are still found in {left}", file=args.stderr)
    return 0
