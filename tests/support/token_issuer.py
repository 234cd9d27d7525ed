#!/usr/bin/env python3
"""A tiny token issuer for testing against distribution 2.8 ("docker-registry") token auth.

Test helper only: stdlib + `cryptography`. It implements the Docker registry token
protocol that 2.8's `auth.token` controller verifies:

* RS256 JWT, header `{"typ":"JWT","alg":"RS256","kid":<libtrust key id>}` (default) or
  `{"typ":"JWT","alg":"RS256","x5c":[<base64 DER cert>]}` (--header x5c).
* claims: iss (== registry auth.token.issuer), aud (a STRING == auth.token.service),
  sub, exp/nbf/iat (integers), jti, access: [{"type","name","actions"}].
* The registry's auth.token.rootcertbundle is the PEM certificate written by `init`.

Policy: anonymous callers get only `pull` on repositories matching --public globs;
users given with --user NAME:PASSWORD get what they ask for (including
registry:catalog:*). Wrong credentials get 401.

  python3 token_issuer.py init DIR
  python3 token_issuer.py serve DIR --issuer ISS --service SVC [--port 0] \
      [--user alice:secret] [--public 'public/*'] [--header kid|x5c] [--ttl 300] \
      [--log FILE]

--log appends one JSON line per token request ({"user", "scopes", "status"}) so tests can
count token exchanges. Adopted from the shared registry notes for ocitrace's test harness.

`serve` prints "listening on 127.0.0.1:PORT" on stderr once ready (use --port 0 for a free port).
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import fnmatch
import hashlib
import json
import os
import secrets
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

KEY_FILE, CERT_FILE = "signing-key.pem", "signing-cert.pem"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_kid(public_key) -> str:
    """Key id as libtrust computes it: SHA-256 of the DER SubjectPublicKeyInfo,
    first 240 bits, base32 without padding, in 12 colon-separated groups of 4."""
    der = public_key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    s = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(s[i : i + 4] for i in range(0, len(s), 4))


def init(directory: str) -> None:
    """Write a fresh RSA key and a self-signed certificate for it (the rootcertbundle)."""
    os.makedirs(directory, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ocitrace test token signer")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    with open(os.path.join(directory, KEY_FILE), "wb") as f:
        f.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with open(os.path.join(directory, CERT_FILE), "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))


class Issuer:
    def __init__(
        self,
        directory: str,
        issuer: str,
        service: str,
        users: dict[str, str],
        public: list[str],
        header: str = "kid",
        ttl: int = 300,
    ) -> None:
        with open(os.path.join(directory, KEY_FILE), "rb") as f:
            self.key = serialization.load_pem_private_key(f.read(), password=None)
        with open(os.path.join(directory, CERT_FILE), "rb") as f:
            cert = x509.load_pem_x509_certificate(f.read())
        if header == "x5c":
            der = cert.public_bytes(serialization.Encoding.DER)
            self.header = {"typ": "JWT", "alg": "RS256", "x5c": [base64.b64encode(der).decode()]}
        else:
            self.header = {"typ": "JWT", "alg": "RS256", "kid": libtrust_kid(cert.public_key())}
        self.issuer, self.service, self.users, self.public, self.ttl = (
            issuer,
            service,
            users,
            public,
            ttl,
        )

    def grant(self, user: str | None, scopes: list[str]) -> list[dict]:
        access = []
        for scope in scopes:
            for item in scope.split(" "):  # one scope parameter may hold several, space-separated
                try:
                    kind, rest = item.split(":", 1)
                    name, actions = rest.rsplit(":", 1)
                except ValueError:
                    continue
                wanted = [a for a in actions.split(",") if a]
                if user is None:
                    public = kind == "repository" and any(
                        fnmatch.fnmatchcase(name, g) for g in self.public
                    )
                    wanted = ["pull"] if public and "pull" in wanted else []
                access.append({"type": kind, "name": name, "actions": wanted})
        return access

    def token(self, user: str | None, scopes: list[str]) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": user or "",
            "aud": self.service,
            "exp": now + self.ttl,
            "nbf": now - 1,
            "iat": now,
            "jti": secrets.token_hex(16),
            "access": self.grant(user, scopes),
        }
        signing_input = (
            b64url(json.dumps(self.header, separators=(",", ":")).encode())
            + "."
            + b64url(json.dumps(claims, separators=(",", ":")).encode())
        )
        sig = self.key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        tok = signing_input + "." + b64url(sig)
        issued = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return {"token": tok, "access_token": tok, "expires_in": self.ttl, "issued_at": issued}


def make_handler(issuer: Issuer, log_path: str | None = None):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, fmt, *args):  # quiet
            pass

        def _reply(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _user(self, name: str | None, password: str | None):
            if name is None:
                return None, True
            return name, issuer.users.get(name) == password

        def do_GET(self) -> None:  # the flow every client implements
            q = parse_qs(urlparse(self.path).query)
            name = password = None
            auth = self.headers.get("Authorization", "")
            if auth.lower().startswith("basic "):
                try:
                    name, _, password = base64.b64decode(auth[6:]).decode().partition(":")
                except ValueError:
                    return self._reply(400, {"details": "bad basic auth"})
            self._answer(q, name, password)

        def do_POST(self) -> None:  # OAuth2 password grant, as docker's client may use
            n = int(self.headers.get("Content-Length") or 0)
            q = parse_qs(self.rfile.read(n).decode())
            if q.get("grant_type", [""])[0] != "password":
                return self._reply(400, {"details": "only grant_type=password is supported"})
            self._answer(q, q.get("username", [None])[0], q.get("password", [None])[0])

        def _answer(self, q: dict, name: str | None, password: str | None) -> None:
            if q.get("service", [issuer.service])[0] != issuer.service:
                return self._reply(400, {"details": "unknown service"})
            user, ok = self._user(name, password)
            if log_path:
                entry = {"user": name, "scopes": q.get("scope", []), "status": 200 if ok else 401}
                with open(log_path, "a") as f:
                    f.write(json.dumps(entry) + "\n")
            if not ok:
                return self._reply(401, {"details": "invalid credentials"})
            self._reply(200, issuer.token(user, q.get("scope", [])))

    return Handler


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("init").add_argument("dir")
    s = sub.add_parser("serve")
    s.add_argument("dir")
    s.add_argument("--issuer", required=True)
    s.add_argument("--service", required=True)
    s.add_argument("--port", type=int, default=0)
    s.add_argument("--user", action="append", default=[], help="NAME:PASSWORD")
    s.add_argument(
        "--public", action="append", default=[], help="glob of anonymously pullable repos"
    )
    s.add_argument("--header", choices=["kid", "x5c"], default="kid")
    s.add_argument("--ttl", type=int, default=300)
    s.add_argument("--log", default=None, help="append one JSON line per token request")
    a = p.parse_args(argv)
    if a.cmd == "init":
        return init(a.dir)
    users = dict(u.split(":", 1) for u in a.user)
    iss = Issuer(a.dir, a.issuer, a.service, users, a.public, a.header, a.ttl)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), make_handler(iss, a.log))
    print(f"listening on 127.0.0.1:{srv.server_address[1]}", file=sys.stderr, flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
