"""Registry authentication as a generator flow (httpx style).

:meth:`Authenticator.flow` yields :class:`HttpRequest` values and receives :class:`Reply`
values; the transport sends them.  The dance, with at most one fresh token per request:

1. If the registry challenged before, attach Basic, a cached Bearer token for
   (registry, realm, service, scope), or fetch one first (saves a 401 round trip).
2. Send.  On 401 with a challenge and nothing fresh tried yet: drop the stale cache entry,
   get a token for exactly the requested scope (or the challenge's when none was asked),
   and send once more.  A second 401 is returned as is: a wrong password never loops.

Token requests: ``GET realm?service=…&scope=…`` with Basic when there are credentials —
but credentials go to a plain-``http`` realm only when its host may be spoken to in clear
(loopback or ``--insecure-registry``; the transport decides), else the token is asked for
anonymously;
identity tokens use the OAuth2 ``POST`` (``grant_type=refresh_token``) and fall back to GET
on 400/401/404/405 (statuses containerd documents for GCR, Artifactory and ACR).
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import FormatError, Unauthorized
from ..lazylog import getLogger
from ..reference import is_loopback
from .challenge import Challenge, parse_www_authenticate, pick
from .credentials import TOKEN_USERNAME, Credential, CredentialStore
from .messages import HttpRequest, Reply, origin
from .realm import decide
from .redact import redact_url

log = getLogger(__name__)  # logging itself: imported when a record can be emitted

CLIENT_ID = "ocitrace"
DEFAULT_EXPIRES_IN = 60
MINIMUM_EXPIRES_IN = 60
EXPIRY_SLACK = 5.0
POST_FALLBACK_STATUSES = frozenset({400, 401, 404, 405})

Flow = Generator[HttpRequest, Reply, None]
SubFlow = Generator[HttpRequest, Reply, "tuple[str | None, bool]"]


@dataclass(frozen=True, slots=True)
class Token:
    """A bearer token and when (on the transport's monotonic clock) it stops being usable."""

    value: str = field(repr=False)
    expires_at: float


TokenKey = tuple[str, str, str, tuple[str, ...]]


class TokenCache:
    """Tokens per (registry, realm, service, scopes) until expiry minus a little slack."""

    def __init__(self, clock: Callable[[], float], slack: float = EXPIRY_SLACK) -> None:
        self._clock = clock
        self._slack = slack
        self._tokens: dict[TokenKey, Token] = {}
        self._lock = threading.Lock()

    def get(self, key: TokenKey) -> Token | None:
        with self._lock:
            token = self._tokens.get(key)
            if token is not None and self._clock() >= token.expires_at - self._slack:
                del self._tokens[key]
                return None
            return token

    def put(self, key: TokenKey, token: Token) -> None:
        with self._lock:
            self._tokens[key] = token

    def invalidate(self, key: TokenKey) -> None:
        with self._lock:
            self._tokens.pop(key, None)


def parse_token_response(body: bytes, *, now: float, wall: datetime | None = None) -> Token:
    """Token JSON → Token: ``token`` else ``access_token``; ``expires_in`` (default and minimum 60 s)
    shortened by the age given by ``issued_at`` when that age is plausible (clock skew ignored)."""
    try:
        doc = json.loads(body)
    except (ValueError, RecursionError) as exc:
        raise FormatError(
            "token server reply is not JSON", hint="check the registry's auth realm"
        ) from exc
    if not isinstance(doc, dict):
        raise FormatError("token server reply is not a JSON object")
    value = doc.get("token") or doc.get("access_token")
    if not isinstance(value, str) or not value:
        raise FormatError("token server reply has no token", hint="check the registry's auth realm")
    expires_in = doc.get("expires_in")
    lifetime = (
        float(expires_in)
        if isinstance(expires_in, int | float) and expires_in > 0
        else DEFAULT_EXPIRES_IN
    )
    lifetime = max(lifetime, MINIMUM_EXPIRES_IN)
    issued = doc.get("issued_at")
    if isinstance(issued, str):
        from dateutil import parser as dateparser  # here: only a token with issued_at needs it

        try:
            issued_at = dateparser.isoparse(issued)
            if issued_at.tzinfo is None:
                issued_at = issued_at.replace(tzinfo=UTC)
            age = ((wall or datetime.now(UTC)) - issued_at).total_seconds()
            if 0 <= age < lifetime:
                lifetime -= age
        except (ValueError, OverflowError):
            pass
    return Token(value, now + lifetime)


def is_loopback_url(url: str) -> bool:
    """Default plain-HTTP policy: only loopback hosts may get secrets in clear."""
    return is_loopback(urlsplit(url).netloc.rsplit("@", 1)[-1])


def basic_header(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode("ascii")


def token_get_request(
    realm: str, service: str, scopes: tuple[str, ...], basic: tuple[str, str] | None
) -> HttpRequest:
    """``GET realm?service=…&scope=…&scope=…`` (a realm's own query is kept)."""
    parts = urlsplit(realm)
    query = parse_qsl(parts.query, keep_blank_values=True)
    if service:
        query.append(("service", service))
    query += [("scope", s) for s in scopes]
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    headers = {"Authorization": basic_header(*basic)} if basic else {}
    return HttpRequest("GET", url, headers, read_body=True)


def token_post_request(
    realm: str, service: str, scopes: tuple[str, ...], refresh_token: str
) -> HttpRequest:
    """OAuth2 ``POST realm`` with ``grant_type=refresh_token`` (scopes space-separated)."""
    form = [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh_token),
        ("client_id", CLIENT_ID),
    ]
    if service:
        form.append(("service", service))
    if scopes:
        form.append(("scope", " ".join(scopes)))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    return HttpRequest("POST", realm, headers, urlencode(form).encode(), read_body=True)


def repository_of(scope: str | None) -> str:
    """``repository:a/b:pull`` → ``a/b`` (for namespace-keyed credentials); else ``""``."""
    if scope and scope.startswith("repository:"):
        return scope[len("repository:") :].rsplit(":", 1)[0]
    return ""


class Authenticator:
    """Per-transport auth state: challenges seen per registry, the token cache, credentials."""

    def __init__(
        self,
        credentials: CredentialStore,
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], datetime] = lambda: datetime.now(UTC),
        plain_http_ok: Callable[[str], bool] = is_loopback_url,
        realm_hosts: frozenset[str] = frozenset(),
        insecure_registries: frozenset[str] = frozenset(),
    ) -> None:
        self.credentials = credentials
        self._plain_http_ok = plain_http_ok
        self._realm_hosts = realm_hosts
        self._insecure = insecure_registries
        self.tokens = TokenCache(clock)
        self._clock = clock
        self._wall = wall
        self._challenges: dict[str, Challenge] = {}
        self._lock = threading.Lock()

    def flow(self, request: HttpRequest, *, registry: str, api_url: str, scope: str | None) -> Flow:
        """Send ``request`` (to ``api_url``'s origin only) with whatever auth the registry wants."""
        if origin(request.url) != origin(api_url):
            yield request
            return
        fresh = False
        sent_cached: TokenKey | None = None
        known = self.challenge(registry)
        first = request
        if known is not None:
            header, fresh = yield from self._authorization(
                known, registry, api_url, scope, use_cache=True
            )
            if header is not None:
                first = request.with_header("Authorization", header)
                if not fresh:
                    sent_cached = self._key(known, registry, scope)
        reply = yield first
        if reply.status != 401 or fresh:
            return
        challenge = pick(parse_www_authenticate(reply.headers.get("WWW-Authenticate")))
        if challenge is None:
            return
        with self._lock:
            self._challenges[registry] = challenge
        if sent_cached is not None:
            self.tokens.invalidate(sent_cached)
        header, _ = yield from self._authorization(
            challenge, registry, api_url, scope or challenge.scope, use_cache=sent_cached is None
        )
        if header is not None:
            yield request.with_header("Authorization", header)

    def challenge(self, registry: str) -> Challenge | None:
        """The last ``WWW-Authenticate`` challenge ``registry`` answered with (None before
        any 401): how ``login`` learns whether it checked Basic credentials or a token."""
        with self._lock:
            return self._challenges.get(registry)

    @staticmethod
    def _key(challenge: Challenge, registry: str, scope: str | None) -> TokenKey:
        return (registry, challenge.realm or "", challenge.service or "", (scope,) if scope else ())

    def _authorization(
        self,
        challenge: Challenge,
        registry: str,
        api_url: str,
        scope: str | None,
        *,
        use_cache: bool,
    ) -> SubFlow:
        """(Authorization value or None, whether it is fresh).  May yield token requests."""
        if challenge.scheme == "basic":
            cred = self.credentials.lookup(registry, repository_of(scope))
            return (basic_header(cred.username, cred.password) if cred.has_basic else None), True
        key = self._key(challenge, registry, scope)
        if use_cache and (cached := self.tokens.get(key)) is not None:
            return f"Bearer {cached.value}", False
        cred = self.credentials.lookup(registry, repository_of(scope))
        if cred.registry_token:
            return f"Bearer {cred.registry_token}", True
        token = yield from self._fetch_token(
            challenge.realm or "", challenge.service or "", key[3], cred, api_url
        )
        if token is None:
            return None, True
        self.tokens.put(key, token)
        return f"Bearer {token.value}", True

    def _fetch_token(
        self, realm: str, service: str, scopes: tuple[str, ...], cred: Credential, api_url: str
    ) -> Generator[HttpRequest, Reply, Token | None]:
        decision = decide(
            realm,
            api_url,
            allowed_hosts=self._realm_hosts,
            insecure_registries=self._insecure,
            plain_http_ok=self._plain_http_ok,
        )
        if not decision.contact:
            if decision.reason == "unusable realm URL":
                log.debug("ignoring bearer challenge with unusable realm %r", redact_url(realm))
                return None
            raise Unauthorized(
                f"refusing to contact token realm {redact_url(realm)}: {decision.reason}",
                input=redact_url(realm),
                hint="pass --auth-realm-host HOST if this realm is intended",
            )
        if not decision.credentials and not cred.anonymous:
            if decision.plain_http:
                log.info(
                    "not sending credentials to plain-http token realm %s; asking anonymously",
                    redact_url(realm),
                )
            else:
                log.info(
                    "not sending credentials to token realm %s (%s); asking anonymously",
                    redact_url(realm),
                    decision.reason,
                )
            cred = Credential(source=f"anonymous ({decision.reason})")
        if cred.identity_token:
            reply = yield token_post_request(realm, service, scopes, cred.identity_token)
            if reply.status in POST_FALLBACK_STATUSES:
                log.debug(
                    "OAuth2 POST to %s -> %d; retrying with GET", redact_url(realm), reply.status
                )
                user = cred.username or TOKEN_USERNAME
                reply = yield token_get_request(realm, service, scopes, (user, cred.identity_token))
        else:
            basic = (cred.username, cred.password) if cred.has_basic else None
            reply = yield token_get_request(realm, service, scopes, basic)
        if reply.status != 200:
            log.debug(
                "token request to %s -> %d (%s)", redact_url(realm), reply.status, cred.source
            )
            return None
        return parse_token_response(reply.body, now=self._clock(), wall=self._wall())
