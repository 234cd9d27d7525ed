"""Distribution API client returning descriptors and exact bytes.

``RegistryClient(transport).repository(registry, repository)`` is a
:class:`~ocitrace.source.Source`; ``RegistryClient.catalog(registry)`` lists repositories.
"""

from __future__ import annotations

from ..oci.limits import Limits
from .client import RegistryClient, RepositoryClient
from .referrers import fallback_tag

__all__ = ["Limits", "RegistryClient", "RepositoryClient", "fallback_tag"]
