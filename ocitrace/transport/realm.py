"""Which Bearer token realms may be contacted, and which may receive credentials.

The rule (README "Security"):

* A realm of a *public* registry (a host name or global IP address that is not loopback,
  private, link-local or an internal name; ``--insecure-registry`` does not change it) is never contacted when it names a loopback, private,
  link-local (cloud metadata: ``169.254.169.254``), reserved or unspecified address, or a
  metadata host name (``metadata.google.internal``, ``*.internal``, ``localhost``) —
  unless the realm's host is allowed with ``--auth-realm-host``.
* Credentials go to a realm only over HTTPS, or over plain HTTP when the realm's host
  may be spoken to in clear (loopback or ``--insecure-registry``), and only when the
  realm's host is the registry's host (any two loopback hosts count as one), shares its
  registrable domain (``registry-1.docker.io`` → ``auth.docker.io``), or is allowed with
  ``--auth-realm-host``.  Otherwise the token is asked for anonymously.

Registrable domain: the last two labels, or three when the last two are a public suffix
of more than one label — from :data:`MULTI_LABEL_SUFFIXES` (a deliberately small,
documented list: common ICANN second levels such as ``co.uk`` and shared hosting
suffixes such as ``azurecr.io`` whose tenants must not share credentials) or any
``co|com|net|org|gov|edu|ac|or|ne|go|mil.<ccTLD>``.  IP literals have none.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Collection
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..reference import is_loopback

MULTI_LABEL_SUFFIXES = frozenset(
    {
        # shared hosting / multi-tenant platforms (tenants are strangers)
        "azurecr.io",
        "amazonaws.com",
        "cloudfront.net",
        "github.io",
        "githubusercontent.com",
        "herokuapp.com",
        "appspot.com",
        "azurewebsites.net",
        "windows.net",
        "pages.dev",
        "workers.dev",
        "netlify.app",
        "vercel.app",
        "web.app",
        "firebaseapp.com",
        "fly.dev",
        "onrender.com",
        "ngrok.io",
        "ngrok-free.app",
        "duckdns.org",
        "nip.io",
        "sslip.io",
        "pkg.dev",
        "run.app",
    }
)
_CC_SECOND_LEVELS = frozenset(
    {"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "mil"}
)
_METADATA_NAMES = frozenset({"metadata", "metadata.google.internal", "instance-data"})


def host_of(url_or_netloc: str) -> str:
    """Lower-case host of a URL or ``host[:port]`` (brackets of IPv6 removed)."""
    text = url_or_netloc if "://" in url_or_netloc else f"//{url_or_netloc}"
    return (urlsplit(text).hostname or "").lower().rstrip(".")


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def registrable_domain(host: str) -> str | None:
    """``registry-1.docker.io`` → ``docker.io``; ``a.b.co.uk`` → ``b.co.uk``; None for IPs
    and single labels."""
    host = host.lower().rstrip(".")
    if _ip(host) is not None:
        return None
    labels = host.split(".")
    if len(labels) < 2:
        return None
    last_two = ".".join(labels[-2:])
    multi = last_two in MULTI_LABEL_SUFFIXES or (
        len(labels[-1]) == 2 and labels[-2] in _CC_SECOND_LEVELS
    )
    if multi:
        return ".".join(labels[-3:]) if len(labels) >= 3 else None
    return last_two


def is_internal_host(host: str) -> bool:
    """Loopback, private, link-local, reserved, multicast or unspecified IP literals, and
    metadata / internal-only names."""
    ip = _ip(host)
    if ip is not None:
        mapped = getattr(ip, "ipv4_mapped", None)
        ip = mapped or ip
        return not ip.is_global or ip.is_multicast
    return (
        host in _METADATA_NAMES
        or host == "localhost"
        or host.endswith((".localhost", ".internal", ".local"))
    )


@dataclass(frozen=True, slots=True)
class RealmDecision:
    """Whether to contact the realm, whether to send credentials, and why (for ``-v``)."""

    contact: bool
    credentials: bool
    reason: str
    plain_http: bool = False


def decide(
    realm: str,
    registry_url: str,
    *,
    allowed_hosts: Collection[str] = (),
    insecure_registries: Collection[str] = (),
    plain_http_ok: Callable[[str], bool],
) -> RealmDecision:
    """Apply the module's rule to ``realm`` named by the registry at ``registry_url``."""
    scheme = urlsplit(realm).scheme.lower()
    realm_host = host_of(realm)
    reg_host = host_of(registry_url)
    allowed = {host_of(h) for h in allowed_hosts}
    if scheme not in ("http", "https") or not realm_host:
        return RealmDecision(False, False, "unusable realm URL")
    explicit = realm_host in allowed
    # by address or name only: an --insecure-registry entry permits plain HTTP, not realms
    registry_public = not (is_internal_host(reg_host) or is_loopback(reg_host))
    if registry_public and not explicit and is_internal_host(realm_host):
        return RealmDecision(
            False,
            False,
            f"realm host {realm_host} is an internal/link-local address named by a public registry",
        )
    if scheme == "http" and not plain_http_ok(realm):
        return RealmDecision(True, False, f"realm {realm_host} is plain http", plain_http=True)
    same = realm_host == reg_host or (is_loopback(realm_host) and is_loopback(reg_host))
    domain = registrable_domain(reg_host)
    if same or explicit or (domain is not None and registrable_domain(realm_host) == domain):
        return RealmDecision(True, True, "realm is the registry's host or domain")
    return RealmDecision(
        True,
        False,
        f"realm host {realm_host} is not the registry's ({reg_host}) nor in its domain "
        "(allow it with --auth-realm-host)",
    )
