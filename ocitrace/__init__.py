"""ocitrace: inspect container images and their supply-chain attestations in OCI registries.

The Python API is :class:`ocitrace.Client` (see :mod:`ocitrace.api`)::

    from ocitrace import Client, NotFound

    with Client() as oc:
        print(oc.resolve("oci-layout://fixtures/buildkit/multi-prov-max:v1").digest)

Names below are imported on first use, so ``import ocitrace`` (and ``ocitrace --version``)
stays fast and loads no HTTP stack.
"""

from __future__ import annotations

from ._version import __version__
from .lazymod import lazy_attributes

#: ``typing.TYPE_CHECKING`` without importing :mod:`typing` (mypy treats the name as True)
TYPE_CHECKING = False

#: public name -> module it lives in (imported lazily by ``__getattr__``)
_LAZY: dict[str, str] = {
    "Client": "ocitrace.api",
    "AuditResult": "ocitrace.api",
    "ProvenanceFound": "ocitrace.api",
    "SbomDocument": "ocitrace.api",
    "Reference": "ocitrace.reference",
    "LayoutReference": "ocitrace.reference",
    "parse_any": "ocitrace.reference",
    "Platform": "ocitrace.oci.model",
    "Descriptor": "ocitrace.oci.model",
    "OcitraceError": "ocitrace.errors",
    "UsageError": "ocitrace.errors",
    "ReferenceError": "ocitrace.errors",
    "ConfigError": "ocitrace.errors",
    "TransportError": "ocitrace.errors",
    "RegistryError": "ocitrace.errors",
    "NotFound": "ocitrace.errors",
    "Unauthorized": "ocitrace.errors",
    "Denied": "ocitrace.errors",
    "TooManyRequests": "ocitrace.errors",
    "IntegrityError": "ocitrace.errors",
    "DigestMismatch": "ocitrace.errors",
    "TooLarge": "ocitrace.errors",
    "FormatError": "ocitrace.errors",
    "PolicyError": "ocitrace.errors",
}

__all__ = [
    "AuditResult",
    "Client",
    "ConfigError",
    "Denied",
    "Descriptor",
    "DigestMismatch",
    "FormatError",
    "IntegrityError",
    "LayoutReference",
    "NotFound",
    "OcitraceError",
    "Platform",
    "PolicyError",
    "ProvenanceFound",
    "Reference",
    "ReferenceError",
    "RegistryError",
    "SbomDocument",
    "TooLarge",
    "TooManyRequests",
    "TransportError",
    "Unauthorized",
    "UsageError",
    "__version__",
    "parse_any",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from .api import AuditResult, Client, ProvenanceFound, SbomDocument
    from .errors import (
        ConfigError,
        Denied,
        DigestMismatch,
        FormatError,
        IntegrityError,
        NotFound,
        OcitraceError,
        PolicyError,
        ReferenceError,
        RegistryError,
        TooLarge,
        TooManyRequests,
        TransportError,
        Unauthorized,
        UsageError,
    )
    from .oci.model import Descriptor, Platform
    from .reference import LayoutReference, Reference, parse_any


__getattr__, __dir__ = lazy_attributes(__name__, _LAZY, globals())
