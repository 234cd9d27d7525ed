"""Who a Fulcio (or any X.509) certificate names: SANs, OIDC issuer, GitHub workflow claims.

Reading claims only (no trust decision): the chain, SCT and policy checks are
sigstore-python's.  Extension OIDs: sigstore/fulcio ``docs/oid-info.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .model import Signer

if TYPE_CHECKING:  # pragma: no cover
    from cryptography.x509 import Certificate

__all__ = ["certificate_sans", "issuer_of", "signer_of"]

_PREFIX = "1.3.6.1.4.1.57264.1."
# v1 extensions: raw UTF-8 bytes; v2 (>= .8): a DER UTF8String
_V1 = {"issuer": "1", "trigger": "2", "sha": "3", "workflow_name": "4", "repo": "5", "ref": "6"}
_V2 = {
    "issuer": "8",
    "build_signer_uri": "9",
    "runner": "11",
    "source_repo_uri": "12",
    "source_repo_digest": "13",
    "source_repo_ref": "14",
    "build_config_uri": "18",
    "build_trigger": "20",
    "run_invocation_uri": "21",
}
_OTHERNAME_OID = "1.3.6.1.4.1.57264.1.7"


def _ext(cert: Certificate, suffix: str, *, der: bool) -> str:
    from cryptography import x509
    from cryptography.hazmat import asn1

    try:
        ext = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(_PREFIX + suffix))
    except (x509.ExtensionNotFound, ValueError):
        return ""
    value = ext.value
    raw = value.value if isinstance(value, x509.UnrecognizedExtension) else b""
    if not raw:
        return ""
    try:
        if der:
            text = asn1.decode_der(str, raw)
            return text if isinstance(text, str) else ""
        return raw.decode("utf-8")
    except (ValueError, UnicodeDecodeError, TypeError):
        return ""


def certificate_sans(cert: Certificate) -> tuple[str, ...]:
    """Email, URI and Sigstore other-name SANs, in certificate order."""
    from cryptography import x509

    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except (x509.ExtensionNotFound, ValueError):
        return ()
    out: list[str] = []
    for name in san:
        if isinstance(name, x509.RFC822Name | x509.UniformResourceIdentifier | x509.DNSName):
            out.append(str(name.value))
        elif isinstance(name, x509.OtherName) and name.type_id.dotted_string == _OTHERNAME_OID:
            try:
                from cryptography.hazmat import asn1

                text = asn1.decode_der(str, name.value)
                out.append(text if isinstance(text, str) else name.value.decode("utf-8", "replace"))
            except (ValueError, TypeError):
                out.append(name.value.decode("utf-8", "replace"))
    return tuple(out)


def issuer_of(cert: Certificate) -> str:
    """The OIDC issuer claim (v2 extension, else the deprecated v1 one)."""
    return _ext(cert, _V2["issuer"], der=True) or _ext(cert, _V1["issuer"], der=False)


def _repository(cert: Certificate) -> str:
    repo = _ext(cert, _V1["repo"], der=False)
    if repo:
        return repo
    uri = _ext(cert, _V2["source_repo_uri"], der=True)
    for prefix in ("https://github.com/", "http://github.com/"):
        if uri.startswith(prefix):
            return uri[len(prefix) :]
    return uri


def signer_of(cert: Certificate) -> Signer:
    """The :class:`Signer` a certificate describes."""
    sans = certificate_sans(cert)
    try:
        subject = cert.subject.rfc4514_string()
    except ValueError:
        subject = ""
    return Signer(
        identity=sans[0] if sans else subject,
        issuer=issuer_of(cert),
        sans=sans,
        repository=_repository(cert),
        ref=_ext(cert, _V2["source_repo_ref"], der=True) or _ext(cert, _V1["ref"], der=False),
        commit=_ext(cert, _V2["source_repo_digest"], der=True) or _ext(cert, _V1["sha"], der=False),
        workflow=_ext(cert, _V2["build_config_uri"], der=True)
        or _ext(cert, _V1["workflow_name"], der=False),
        trigger=_ext(cert, _V2["build_trigger"], der=True) or _ext(cert, _V1["trigger"], der=False),
        run_invocation=_ext(cert, _V2["run_invocation_uri"], der=True),
        subject=subject,
    )
