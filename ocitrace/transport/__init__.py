"""HTTP transport: session policy, retries, auth, credentials, redaction.

Public surface used by :mod:`ocitrace.registry` (keep it stable):

* :class:`TransportOptions` — every knob, immutable.
* :class:`Transport` — ``request(method, url, *, registry, scope, ...)`` does auth
  (challenge → token for the scope, cached per (realm, service, scope)), retries, safe
  redirects (credentials only to the registry's own host) and maps network failures to
  :class:`~ocitrace.errors.TransportError`.  It returns the final ``Response``
  (``response.py``) whatever its status; the registry layer turns 4xx/5xx into typed errors.
  ``transport.rate_limits`` / ``transport.warnings`` expose what response headers said.

Modules: ``core`` (request loop, proxies via urllib3), ``pool`` (keep-alive connections
over ``wire``, HTTP/1.1 on a socket without http.client), ``response``, ``retry`` (policy,
Retry-After, per-host gate), ``auth`` (generator flow, token cache), ``challenge`` (WWW-Authenticate), ``credentials``
(docker config, helpers, containers auth.json; their lookup order), ``credstore`` (what
``login``/``logout`` write, and the ``/v2/`` check), ``ratelimit``, ``redact``, ``messages``.
"""

from __future__ import annotations

from .core import Transport, TransportOptions
from .credentials import Credential, CredentialStore
from .ratelimit import RateLimit

__all__ = ["Credential", "CredentialStore", "RateLimit", "Transport", "TransportOptions"]
