"""Transport core.  PLACEHOLDER implementation (no auth, no retry) — being replaced by the
transport owner; the signatures below are the contract."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import requests

from .. import __version__
from ..errors import TransportError


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
    password: str | None = None
    docker_config_dir: str | None = None  # default: $DOCKER_CONFIG or ~/.docker
    auth_file: str | None = None  # containers auth.json; default from REGISTRY_AUTH_FILE / XDG


class Transport:
    """One HTTP client (one pooled requests.Session) shared by all repositories."""

    def __init__(self, options: TransportOptions | None = None) -> None:
        self.options = options or TransportOptions()
        self._session = requests.Session()
        self._session.trust_env = False

    def base_url(self, registry: str) -> str:
        """``scheme://host[:port]`` of a registry's API (docker.io → registry-1.docker.io)."""
        from ..reference import registry_endpoint

        return registry_endpoint(registry, insecure=self.options.insecure_registries)

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
    ) -> requests.Response:
        """Send one request with auth/retry/redirect policy; return the final response.

        ``scope`` is the token scope the request needs (``repository:NAME:pull`` or
        ``registry:catalog:*``); ``None`` for ``/v2/``.
        """
        hdrs = {"User-Agent": self.options.user_agent, **(headers or {})}
        try:
            return self._session.request(
                method, url, headers=hdrs, params=params, stream=stream,
                timeout=self.options.timeout, verify=self.options.ca_cert or True,
            )
        except requests.RequestException as exc:
            raise TransportError(f"{method} {url}: {exc}", input=url) from exc

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
