"""The names of in-toto attestations, once for every module: statement and predicate types
and the media types of in-toto statements, DSSE envelopes, Sigstore bundles and cosign
signatures.  Names only (no parsing), so the lowest layer can hold them: ``attest/``
decodes with them, ``discover/``, ``inspect/`` and ``verify/`` match layers with them.
"""

from __future__ import annotations

from ..lazyre import lazy

__all__ = [
    "COSIGN_CUSTOM",
    "COSIGN_SIMPLESIGNING",
    "COSIGN_VULN",
    "CYCLONEDX",
    "DSSE_ENVELOPE",
    "INTOTO_LINK",
    "IN_TOTO",
    "IN_TOTO_DSSE",
    "OPENVEX",
    "SIGSTORE_BUNDLE_PREFIX",
    "SLSA_PROVENANCE_PREFIX",
    "SLSA_PROVENANCE_V01",
    "SLSA_PROVENANCE_V02",
    "SLSA_PROVENANCE_V1",
    "SPDX",
    "STATEMENT_V01",
    "STATEMENT_V1",
    "VSA_V02",
    "VSA_V1",
]

# statement types
STATEMENT_V01 = "https://in-toto.io/Statement/v0.1"
STATEMENT_V1 = "https://in-toto.io/Statement/v1"

# predicate types
SLSA_PROVENANCE_PREFIX = "https://slsa.dev/provenance/"
SLSA_PROVENANCE_V01 = "https://slsa.dev/provenance/v0.1"
SLSA_PROVENANCE_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
VSA_V02 = "https://slsa.dev/verification_summary/v0.2"
VSA_V1 = "https://slsa.dev/verification_summary/v1"
SPDX = "https://spdx.dev/Document"  # what BuildKit and buildx use (exact match in buildx)
CYCLONEDX = "https://cyclonedx.org/bom"
COSIGN_CUSTOM = "https://cosign.sigstore.dev/attestation/v1"
COSIGN_VULN = "https://cosign.sigstore.dev/attestation/vuln/v1"
OPENVEX = "https://openvex.dev/ns"
INTOTO_LINK = "https://in-toto.io/Link/v1"

# media types of attestation layers
IN_TOTO = "application/vnd.in-toto+json"  # a plain statement (also DSSE's payloadType)
DSSE_ENVELOPE = "application/vnd.dsse.envelope.v1+json"
#: ``application/vnd.in-toto.<predicate>+dsse`` (BuildKit, cosign); match with ``search``
#: (unanchored, as buildx does) or ``fullmatch``
IN_TOTO_DSSE = lazy(r"application/vnd\.in-toto\..*\+dsse")
SIGSTORE_BUNDLE_PREFIX = "application/vnd.dev.sigstore.bundle"
COSIGN_SIMPLESIGNING = "application/vnd.dev.cosign.simplesigning.v1+json"
