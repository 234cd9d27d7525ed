"""Transport core: one connection pool plus the request loop that ties the auth flow,
retries and safe redirects together.

Policy, all in one place: a timeout on every request; no ``.netrc`` credentials, no
``REQUESTS_CA_BUNDLE`` overriding ``--ca-cert`` (the trust store is chosen once, by
:func:`tls_verify`); proxies from the environment are honoured, per URL (``no_proxy``
included); no cookies (none are stored or sent); redirects followed here (at most 5) so
``Authorization`` only ever goes to the origin the request was made for, and never from
HTTPS down to plain HTTP on a host that is neither loopback nor ``--insecure-registry``;
every body read here is capped; the HTTP stack's failures become TransportError.

Direct connections use :mod:`ocitrace.transport.pool` (HTTP/1.1 keep-alive over
``http.client``; issue 14): ``requests.Session.request`` cost about as much CPU per request
as urllib3 and http.client together, and urllib3's pool about as much again as
http.client — ``bench/profile_http.py`` measures the stacks side by side.  urllib3 is
imported only for proxied requests (its ``ProxyManager``/SOCKS support), and the TLS
context is built when an ``https`` URL is first used (plain-HTTP loopback never builds it).
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlencode, urljoin, urlsplit, urlunsplit

from .._version import __version__
from ..errors import ConfigError, TooLarge, TransportError
from ..lazylog import getLogger
from ..oci.limits import DEFAULT_LIMITS
from ..reference import is_listed, is_loopback, registry_endpoint
from .auth import Authenticator
from .credentials import CredentialStore
from .deadline import BodyDeadline, Watchdog
from .messages import HttpRequest, Reply, origin
from .pool import (
    BadURL,
    ConnectFailed,
    ConnectionPool,
    ConnectTimedOut,
    Dropped,
    HTTPFailure,
    ReadTimedOut,
    TimedOut,
    TLSFailed,
)
from .ratelimit import HeaderObserver, RateLimit
from .redact import redact_url
from .response import READ_ERRORS, Response
from .retry import BackoffGate, RetryPolicy, is_retryable_status, parse_retry_after
from .wire import ProtocolError

if TYPE_CHECKING:
    import ssl

_DEBUG = 10  # logging.DEBUG
log = getLogger(__name__)  # logging itself: imported when a record can be emitted

MAX_REDIRECTS = 5
TOKEN_REPLY_CAP = DEFAULT_LIMITS.token_reply
BODY_CAP = 4 << 20  # ``request(stream=False)``: the largest body read into memory
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True, slots=True)
class TransportOptions:
    """Knobs for one :class:`Transport`."""

    timeout: float = 30.0
    retries: int = 4
    backoff: float = 0.25
    max_backoff: float = 30.0
    pool_size: int = 16
    ca_cert: str | None = None
    insecure_skip_verify: bool = False
    insecure_registries: frozenset[str] = field(default_factory=frozenset)
    user_agent: str = f"ocitrace/{__version__}"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    # registries username/password may be sent to (the ones named on the command line);
    # None: every registry the run talks to
    credential_registries: frozenset[str] | None = None
    docker_config_dir: str | None = None  # default: $DOCKER_CONFIG or ~/.docker
    auth_file: str | None = None  # containers auth.json; default from REGISTRY_AUTH_FILE / XDG
    # token realm hosts allowed to get credentials (and to be contacted even when internal)
    # although they are neither the registry's host nor in its domain (--auth-realm-host)
    auth_realm_hosts: frozenset[str] = field(default_factory=frozenset)


class _Pools:
    """The direct connection pool, and (imported and built only when the environment
    names a proxy) one urllib3 pool manager per proxy URL whose connections are guarded
    by the watchdog like the direct ones.  The TLS context is built on first use."""

    def __init__(self, options: TransportOptions, watchdog: Watchdog, verify: bool | str) -> None:
        self._size = options.pool_size
        self._verify = verify
        self._watchdog = watchdog
        self._context: ssl.SSLContext | None = None
        self._lock = threading.Lock()
        self.direct = ConnectionPool(watchdog, self.tls_context, maxsize=self._size)
        self._proxied: dict[str, Any] = {}

    def tls_context(self) -> ssl.SSLContext:
        with self._lock:
            if self._context is None:
                self._context = _tls_context(self._verify)
            return self._context

    def for_proxy(self, proxy: str) -> Any:
        """The urllib3 manager for ``proxy`` (created on first use)."""
        context = self.tls_context()
        with self._lock:
            manager = self._proxied.get(proxy)
            if manager is None:
                manager = self._proxied[proxy] = self._proxy_manager(proxy, context)
            return manager

    def _proxy_manager(self, proxy: str, context: ssl.SSLContext) -> Any:
        import urllib3

        from .guarded import pool_classes

        kw: dict[str, Any] = {
            "num_pools": self._size,
            "maxsize": self._size,
            "block": False,
            "cert_reqs": "CERT_NONE" if self._verify is False else "CERT_REQUIRED",
            "ssl_context": context,
        }
        manager: Any
        if proxy.lower().startswith("socks"):
            from urllib3.contrib.socks import SOCKSProxyManager  # needs PySocks

            parts = urlsplit(proxy)
            manager = SOCKSProxyManager(
                proxy,
                username=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                **kw,
            )
        else:
            parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
            headers = {}
            if parts.username:
                auth = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
                headers = urllib3.make_headers(proxy_basic_auth=auth)
            manager = urllib3.ProxyManager(parts.geturl(), proxy_headers=headers, **kw)
        manager.pool_classes_by_scheme = pool_classes(self._watchdog)
        return manager

    def clear(self) -> None:
        self.direct.clear()
        with self._lock:
            for manager in self._proxied.values():
                manager.clear()


def _tls_context(verify: bool | str) -> ssl.SSLContext:
    """The one SSL context of a transport: no verification, or the trust store loaded once
    (certifi's, or the file/directory chosen by :func:`tls_verify`); TLS 1.2 or later,
    HTTP/1.1 by ALPN (what urllib3's context said).  ``ssl`` is imported here, on the
    first https request: a plain-HTTP run loads no TLS stack."""
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION
    context.set_alpn_protocols(["http/1.1"])
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    path = _default_bundle() if verify is True else verify
    if os.path.isdir(path):
        context.load_verify_locations(capath=path)
    else:
        context.load_verify_locations(cafile=path)
    return context


def _default_bundle() -> str:
    """certifi's bundle (what requests' ``DEFAULT_CA_BUNDLE_PATH`` names), without
    importing requests."""
    import certifi

    return str(certifi.where())


_PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy")


def environ_proxy(url: str, environ: Mapping[str, str]) -> str | None:
    """The proxy the environment names for ``url`` (``no_proxy`` honoured), as requests
    chose it: ``scheme://host``, ``scheme``, ``all://host``, ``all`` keys in that order."""
    if not any(environ.get(v) or environ.get(v.upper()) for v in _PROXY_VARS):
        return None  # the common case costs no import
    from requests.utils import get_environ_proxies, select_proxy

    found: str | None = select_proxy(url, get_environ_proxies(url))
    return found


def tls_verify(options: TransportOptions, environ: Mapping[str, str]) -> bool | str:
    """``verify=`` for every request: off only when asked; an explicit CA file wins over
    ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE`` (which requests itself would let win)."""
    if options.insecure_skip_verify:
        return False
    if options.ca_cert:
        if not os.path.isfile(options.ca_cert):
            raise ConfigError(
                f"CA certificate file {options.ca_cert} does not exist",
                input=options.ca_cert,
                hint="pass a PEM file to --ca-cert",
            )
        return options.ca_cert
    for name in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"):
        bundle = environ.get(name)
        if bundle and os.path.exists(bundle):
            return bundle
    return True


def _with_params(url: str, params: Mapping[str, str] | None) -> str:
    if not params:
        return url
    parts = urlsplit(url)
    extra = urlencode(list(params.items()))
    query = f"{parts.query}&{extra}" if parts.query else extra
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


class Transport:
    """One HTTP client (one set of connection pools) shared by all repositories
    and workers."""

    def __init__(
        self,
        options: TransportOptions | None = None,
        *,
        credentials: CredentialStore | None = None,
        environ: Mapping[str, str] | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.options = options or TransportOptions()
        opts = self.options
        self.watchdog = Watchdog(clock)
        env = os.environ if environ is None else environ
        verify = tls_verify(opts, env)
        if opts.ca_cert and verify == opts.ca_cert:
            from .cabundle import combined_bundle  # only for --ca-cert

            verify = combined_bundle(self, opts.ca_cert)  # the CA is added, not the only one
        self._verify = verify
        self._pools = _Pools(opts, self.watchdog, verify)
        self._base_headers = {"User-Agent": opts.user_agent, "Accept-Encoding": "identity"}
        self._base_lower = {name.lower() for name in self._base_headers}
        self._base_urls: dict[str, str] = {}
        self._proxies_from_env = environ is None
        # proxies depend only on scheme and host (no_proxy), and the environment is read once
        # per origin: the lookup scans os.environ (a hot path in audits)
        self._proxy_cache: dict[tuple[str, str], str | None] = {}
        self._policy = RetryPolicy(opts.retries, opts.backoff, opts.max_backoff)
        self._clock = clock
        self._sleep = sleep
        self._gate = BackoffGate(clock, sleep)
        self._observer = HeaderObserver()
        self.credentials = credentials or CredentialStore(
            username=opts.username,
            password=opts.password,
            docker_config_dir=opts.docker_config_dir,
            auth_file=opts.auth_file,
            environ=environ,
            explicit_for=opts.credential_registries,
        )
        self.auth = Authenticator(
            self.credentials,
            clock=clock,
            plain_http_ok=self.plain_http_allowed,
            realm_hosts=opts.auth_realm_hosts,
            insecure_registries=opts.insecure_registries,
        )

    # --- public surface ---------------------------------------------------------------

    def base_url(self, registry: str) -> str:
        """``scheme://host[:port]`` of a registry's API (docker.io → registry-1.docker.io).

        HTTPS, except plain HTTP for ``--insecure-registry`` hosts and for loopback hosts
        (as buildx does) unless a TLS option (``ca_cert``/``insecure_skip_verify``) says
        the loopback registry speaks TLS; an ``--insecure-registry`` entry always wins.
        """
        try:
            return self._base_urls[registry]
        except KeyError:
            found = self._base_urls[registry] = self._base_url(registry)
            return found

    def _base_url(self, registry: str) -> str:
        opts = self.options
        url = registry_endpoint(registry, insecure=opts.insecure_registries)
        if (
            (opts.ca_cert or opts.insecure_skip_verify)
            and url.startswith("http://")
            and is_loopback(registry)
            and not is_listed(registry, opts.insecure_registries)
        ):
            # TLS options for a loopback registry mean it speaks TLS (test registries, tunnels)
            return "https://" + url[len("http://") :]
        return url

    def plain_http_allowed(self, url: str) -> bool:
        """Whether ``url``'s host may be spoken to (or sent secrets) over plain HTTP:
        loopback hosts and ``--insecure-registry`` entries only."""
        netloc = urlsplit(url).netloc.rsplit("@", 1)[-1]
        return is_loopback(netloc) or is_listed(netloc, self.options.insecure_registries)

    @property
    def rate_limits(self) -> dict[str, RateLimit]:
        """Last ``RateLimit-*`` state seen per host (``host[:port]``)."""
        return self._observer.rate_limits()

    @property
    def warnings(self) -> tuple[str, ...]:
        """Distinct ``Warning: 299`` texts seen so far, first-seen order."""
        return self._observer.warnings()

    def request(
        self,
        method: str,
        url: str,
        *,
        registry: str,
        scope: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        stream: bool = True,
        max_body: int = BODY_CAP,
    ) -> Response:
        """Send one request with auth/retry/redirect policy; return the final response.

        ``scope`` is the token scope the request needs (``repository:NAME:pull`` or
        ``registry:catalog:*``); ``None`` for ``/v2/``.  Whatever the final status (401
        included), the response is returned; only network failures raise TransportError.
        ``stream=False`` reads the body now, at most ``max_body`` bytes (else TooLarge).
        """
        main = HttpRequest(method.upper(), _with_params(url, params), dict(headers or {}))
        budget_end = self._clock() + self.budget
        flow = self.auth.flow(main, registry=registry, api_url=self.base_url(registry), scope=scope)
        last_main: Response | None = None
        try:
            outgoing = next(flow)
            while True:
                resp = self._send(outgoing, budget_end)
                reply = Reply(resp.status_code, resp.headers, resp.url, b"")
                if outgoing.read_body:
                    body = self._read_capped(resp, outgoing, TOKEN_REPLY_CAP)
                    reply = Reply(resp.status_code, resp.headers, resp.url, body)
                else:
                    if last_main is not None:
                        last_main.close()
                    last_main = resp
                try:
                    outgoing = flow.send(reply)
                except StopIteration:
                    break
        except BaseException:
            if last_main is not None:
                last_main.close()
            raise
        finally:
            flow.close()
        assert last_main is not None, "auth flow ended without sending the request"
        if not stream:
            # ``.content`` would read without bound; keep the capped copy
            last_main.set_content(self._read_capped(last_main, main, max_body))
        return last_main

    def close(self) -> None:
        self._pools.clear()
        self.watchdog.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- sending -----------------------------------------------------------------------

    def _send(self, request: HttpRequest, budget_end: float) -> Response:
        """Send with retries, following redirects; Authorization never leaves the first origin."""
        first_origin = origin(request.url)
        current = request
        for hop in range(MAX_REDIRECTS + 1):
            resp = self._send_with_retries(current, budget_end)
            location = resp.headers.get("Location")
            if resp.status_code not in _REDIRECTS or not location:
                return resp
            resp.close()
            if hop == MAX_REDIRECTS:
                break
            target = urljoin(resp.url or current.url, location)
            self._check_redirect(current, target, request)
            current = self._redirected(current, target, resp.status_code, first_origin)
        raise TransportError(
            f"{request.method} {redact_url(request.url)}: more than {MAX_REDIRECTS} redirects",
            input=redact_url(request.url),
            hint="the registry or a proxy is misconfigured",
        )

    def _check_redirect(self, current: HttpRequest, target: str, first: HttpRequest) -> None:
        """Refuse redirects to non-HTTP schemes and HTTPS → plain HTTP on a remote host."""
        scheme = origin(target)[0]
        where = f"{current.method} {redact_url(current.url)}"
        if scheme not in ("http", "https"):
            raise TransportError(
                f"{where}: redirect to unsupported URL {redact_url(target)}",
                input=redact_url(first.url),
            )
        if (
            scheme == "http"
            and origin(current.url)[0] == "https"
            and not self.plain_http_allowed(target)
        ):
            raise TransportError(
                f"{where}: refusing redirect from HTTPS to plain HTTP ({redact_url(target)})",
                input=redact_url(first.url),
                hint="the registry sends clients to an unencrypted host; pass "
                "--insecure-registry HOST for that host if this is intended",
            )

    @staticmethod
    def _redirected(
        current: HttpRequest, target: str, status: int, first_origin: tuple[str, str, int | None]
    ) -> HttpRequest:
        method, data = current.method, current.data
        if (status == 303 and method != "HEAD") or (status in (301, 302) and method == "POST"):
            method, data = "GET", None
        nxt = HttpRequest(method, target, current.headers, data, current.read_body)
        if origin(target) != first_origin:
            nxt = nxt.without_header("Authorization").without_header("Cookie")
        if data is None:
            nxt = nxt.without_header("Content-Type")
        return nxt

    def _send_with_retries(self, request: HttpRequest, budget_end: float) -> Response:
        """Send, retrying within the request's budget (``budget_end`` on the clock): no
        attempt, wait or ``Retry-After`` pause runs past it."""
        host = urlsplit(request.url).netloc
        attempt = 0
        while True:
            pause = self._gate.remaining(host)
            if pause > 0 and self._clock() + pause > budget_end:
                raise self._over_budget(request, f"{host} asked clients to wait {pause:.0f}s")
            self._gate.wait(host)
            started = self._clock()
            remaining = budget_end - started
            if remaining <= 0.01:
                raise self._over_budget(request, "no time left")
            timeout = min(remaining, self.options.timeout)
            try:
                resp = self._urlopen(request, timeout)
            except _NOT_RETRIED as exc:
                raise self._error(request, exc) from exc
            except _RETRIED as exc:
                delay = self._policy.delay(attempt)
                if (
                    attempt >= self._policy.retries
                    or is_permanent(exc, request.url)
                    or self._clock() + delay >= budget_end
                ):
                    raise self._error(request, exc, attempts=attempt + 1) from exc
                log.debug(
                    "%s %s failed (%s); retry in %.2fs",
                    request.method,
                    redact_url(request.url),
                    type(exc).__name__,
                    delay,
                )
                self._sleep(delay)
                attempt += 1
                continue
            except (HTTPFailure, ProtocolError, OSError, ValueError) as exc:
                raise self._error(request, exc) from exc
            if log.isEnabledFor(_DEBUG):  # redact_url is not free: not per request
                log.debug(
                    "%s %s -> %d (%.0f ms)",
                    request.method,
                    redact_url(request.url),
                    resp.status_code,
                    (self._clock() - started) * 1000,
                )
            self._observer.observe(host, resp.headers)
            if not is_retryable_status(resp.status_code) or attempt >= self._policy.retries:
                return resp
            retry_after = parse_retry_after(resp.headers.get("Retry-After"), datetime.now(UTC))
            if self._policy.gives_up_on(retry_after):
                return resp
            delay = self._policy.delay(attempt, retry_after)
            if self._clock() + delay >= budget_end:
                log.debug(
                    "%s %s -> %d; a retry in %.1fs would overrun the request's %gs budget",
                    request.method,
                    redact_url(request.url),
                    resp.status_code,
                    delay,
                    self.budget,
                )
                return resp
            resp.close()
            if resp.status_code == 429 or retry_after is not None:
                self._gate.hold(host, delay)  # every worker pauses; we wait at the loop top
            else:
                self._sleep(delay)
            attempt += 1

    def _urlopen(self, request: HttpRequest, timeout: float) -> Response:
        """One attempt: no retries, no redirects (both are done above), body streamed."""
        headers = self._base_headers
        if request.headers:
            headers = dict(headers)
            for name, value in request.headers.items():  # case-insensitive override
                lower = name.lower()
                if lower in self._base_lower:
                    for same in [k for k in headers if k.lower() == lower]:
                        del headers[same]
                headers[name] = value
        proxy = self._proxy_for(request.url)
        if proxy:
            return self._urlopen_proxied(proxy, request, headers, timeout)
        pool = self._pools.direct
        raw, conn, key, sock = pool.send(
            request.method, request.url, request.data, headers, timeout
        )

        def release(consumed: bool) -> None:
            if not consumed:
                raw.close()
            pool.release(key, conn, consumed and raw.isclosed())

        return Response.direct(raw, request, sock, release)

    def _urlopen_proxied(
        self, proxy: str, request: HttpRequest, headers: Mapping[str, str], timeout: float
    ) -> Response:
        """One attempt through urllib3's proxy manager; its failures as :mod:`.pool`'s."""
        import urllib3
        from urllib3 import exceptions as u3

        manager = self._pools.for_proxy(proxy)
        try:
            raw = manager.urlopen(
                request.method,
                request.url,
                body=request.data,
                headers=headers,
                redirect=False,
                retries=False,
                preload_content=False,
                decode_content=True,
                timeout=urllib3.Timeout(connect=timeout, read=timeout),
            )
        except u3.SSLError as exc:
            raise TLSFailed(f"TLS handshake failed: {exc}") from exc
        except u3.LocationValueError as exc:
            raise BadURL(str(exc)) from exc
        except (u3.NewConnectionError, u3.ProxyError) as exc:
            raise ConnectFailed(f"cannot connect: {exc}") from exc
        except u3.ConnectTimeoutError as exc:
            raise ConnectTimedOut(str(exc)) from exc
        except u3.TimeoutError as exc:
            raise ReadTimedOut(str(exc)) from exc
        except u3.ProtocolError as exc:
            raise Dropped(str(exc)) from exc
        except u3.HTTPError as exc:
            raise HTTPFailure(f"{type(exc).__name__}: {exc}") from exc
        return Response.proxied(raw, request)

    def _read_capped(self, resp: Response, request: HttpRequest, limit: int) -> bytes:
        """Read a small body (token replies, ``stream=False``) with a hard cap; the response
        is closed after."""
        chunks: list[bytes] = []
        total = 0
        deadline = BodyDeadline(self.watchdog, resp, self.options.timeout, limit)
        try:
            for chunk in resp.iter_content(65536):
                deadline.received(len(chunk))
                total += len(chunk)
                if total > limit:
                    raise TooLarge(
                        f"{request.method} {redact_url(request.url)}: reply larger than {limit} bytes",
                        limit=limit,
                        input=redact_url(request.url),
                    )
                chunks.append(chunk)
        except READ_ERRORS as exc:
            if deadline.fired:
                raise TransportError(
                    f"{request.method} {redact_url(request.url)}: the reply took too long to arrive",
                    input=redact_url(request.url),
                    hint="the server is very slow or stalling; raise --timeout or retry later",
                ) from exc
            raise self._error(request, exc) from exc
        finally:
            deadline.cancel()
            resp.close()
        return b"".join(chunks)

    def _proxy_for(self, url: str) -> str | None:
        """The environment's proxy for ``url``'s origin, looked up once per origin."""
        if not self._proxies_from_env:
            return None
        parts = urlsplit(url)
        key = (parts.scheme, parts.netloc)
        try:
            return self._proxy_cache[key]
        except KeyError:
            found = self._proxy_cache[key] = environ_proxy(url, os.environ)
            return found

    @property
    def budget(self) -> float:
        """Seconds one :meth:`request` may spend on attempts, waits and ``Retry-After``
        pauses, token round trips and redirects included: ``timeout × (retries + 1)``."""
        return self.options.timeout * (self.options.retries + 1)

    def _over_budget(self, request: HttpRequest, why: str) -> TransportError:
        url = redact_url(request.url)
        return TransportError(
            f"{request.method} {url}: giving up ({why}; the request's budget is "
            f"--timeout × {self.options.retries + 1} attempts = {self.budget:g}s)",
            input=url,
            hint="the registry is slow or rate limiting; raise --timeout or retry later",
        )

    def _error(self, request: HttpRequest, exc: Exception, *, attempts: int = 1) -> TransportError:
        """One-line TransportError naming the (redacted) URL, with a hint fitting the cause;
        ``attempts`` (the retried failures) is said, so the time taken adds up."""
        url = redact_url(request.url)
        tries = f" on each of {attempts} attempts" if attempts > 1 else ""
        if isinstance(exc, TLSFailed) and _speaks_plain_http(exc):
            host = urlsplit(request.url).netloc
            return TransportError(
                f"{request.method} {url}: TLS handshake failed: the server answered in plain HTTP",
                input=url,
                hint=f"this registry speaks plain HTTP: use --insecure-registry {host}",
            )
        if isinstance(exc, TLSFailed):
            import ssl  # (loaded already: a handshake was attempted)

            reason = (
                "TLS verification failed"
                if any(isinstance(c, ssl.SSLCertVerificationError) for c in _causes(exc))
                else "TLS error"
            )
            return TransportError(
                f"{request.method} {url}: {reason}",
                input=url,
                hint="pass --ca-cert FILE for a private CA (or --insecure-skip-tls-verify to not verify)",
            )
        if _is_timeout(exc):
            return TransportError(
                f"{request.method} {url}: timed out after {self.options.timeout:g}s{tries}",
                input=url,
                hint="the registry is slow or unreachable; raise --timeout or retry later",
            )
        if isinstance(exc, _CONNECTION) and _name_not_found(exc):
            host = urlsplit(request.url).hostname or url
            return TransportError(
                f"{request.method} {url}: cannot connect: no such host {host} ({_root_cause(exc)})",
                input=url,
                hint="check the registry name (and the network / DNS: nothing was retried)",
            )
        if isinstance(exc, _CONNECTION):
            again = f" after {attempts} attempts" if attempts > 1 else ""
            return TransportError(
                f"{request.method} {url}: cannot connect{again} ({_root_cause(exc)})", input=url
            )
        return TransportError(
            f"{request.method} {url}: {type(exc).__name__}: {_root_cause(exc)}", input=url
        )


#: failures of one attempt: never retried (TLS, a malformed URL) or retried (the
#: connection failed, broke or timed out)
_NOT_RETRIED: tuple[type[Exception], ...] = (TLSFailed, BadURL)
_CONNECTION: tuple[type[Exception], ...] = (ConnectFailed, Dropped)
_RETRIED: tuple[type[Exception], ...] = (*_CONNECTION, TimedOut)


def _is_timeout(exc: BaseException) -> bool:
    """A connect or read timeout (a refused or unresolvable connection is not one)."""
    return isinstance(exc, TimedOut)


def _causes(exc: BaseException) -> list[BaseException]:
    out: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(out) < 20:
        out.append(seen)
        seen = seen.__cause__ or seen.__context__
    return out


def _name_not_found(exc: BaseException) -> bool:
    """DNS says the name does not exist (not a temporary resolver failure)."""
    permanent = {socket.EAI_NONAME, getattr(socket, "EAI_NODATA", socket.EAI_NONAME)}
    return any(isinstance(c, socket.gaierror) and c.errno in permanent for c in _causes(exc))


def _refused_on_loopback(exc: BaseException, url: str) -> bool:
    """Nothing listens on a loopback port: it will not start listening between retries."""
    return is_loopback(urlsplit(url).netloc) and any(
        isinstance(c, ConnectionRefusedError) for c in _causes(exc)
    )


def _speaks_plain_http(exc: BaseException) -> bool:
    """The TLS handshake got an HTTP reply (OpenSSL: wrong version number / http request)."""
    import ssl  # (loaded already: only asked of a TLSFailed)

    return any(
        isinstance(c, ssl.SSLError) and c.reason in ("WRONG_VERSION_NUMBER", "HTTP_REQUEST")
        for c in _causes(exc)
    )


def is_permanent(exc: BaseException, url: str) -> bool:
    """A connection failure no retry can fix: the name does not resolve, or a loopback port
    refuses (TLS protocol mismatches are SSLError, never retried)."""
    return _name_not_found(exc) or _refused_on_loopback(exc, url)


def _root_cause(exc: BaseException) -> str:
    """The innermost reason, on one line, without URLs that could carry secrets."""
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        nxt = seen.__cause__ or seen.__context__
        assert nxt is not None
        seen = nxt
    text = str(seen).splitlines()[0] if str(seen) else type(seen).__name__
    if "://" in text or "?" in text:
        return type(seen).__name__
    return text[:200]
