"""Image references: Go ``distribution/reference`` grammar, ``oci-layout://`` refs, endpoints.

:func:`parse_reference` gives the answers of Go's ``reference.ParseNormalizedNamed``
(checked against ``fixtures/reference-cases.jsonl``, produced by the Go package):
``nginx`` → ``docker.io/library/nginx``, ``index.docker.io`` → ``docker.io``, uppercase
in the path rejected, path length ≤ 255, digests validated like ``go-digest``.
Errors keep Go's wording in :attr:`InvalidReference.go_message` (what buildx prints)
and add a detail naming the offending part, plus a hint.

:func:`parse_layout_reference` follows buildx ``util/ocilayout.Parse``:
``oci-layout://PATH[:TAG][@DIGEST]``, tag ``latest`` when neither is given.

:func:`registry_endpoint` maps a registry domain to the URL base to speak to: Docker Hub
to ``https://registry-1.docker.io``, plain HTTP only for loopback or opted-in hosts.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Collection
from dataclasses import dataclass

from .errors import ReferenceError, UsageError
from .lazyre import lazy

__all__ = [
    "DEFAULT_TAG",
    "DOCKER_HUB",
    "InvalidReference",
    "LayoutReference",
    "Reference",
    "ReferenceError",
    "auth_key_candidates",
    "is_loopback",
    "parse_any",
    "parse_layout_reference",
    "parse_reference",
    "registry_endpoint",
    "validate_digest",
]

DEFAULT_TAG = "latest"
DOCKER_HUB = "docker.io"
LEGACY_DOCKER_HUB = "index.docker.io"
DOCKER_HUB_ENDPOINT = "registry-1.docker.io"
OFFICIAL_PREFIX = "library/"
LAYOUT_PREFIX = "oci-layout://"
MAX_PATH_LENGTH = 255

# --- grammar (regexp.go), compiled with re.ASCII so \w is [A-Za-z0-9_] as in Go ---------
_ALNUM = r"[a-z0-9]+"
_SEPARATOR = r"(?:[._]|__|[-]+)"
_PATH_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_REMOTE_NAME = rf"{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN_NAME = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*"
_IPV6 = r"\[(?:[a-fA-F0-9:]+)\]"
_DOMAIN_AND_PORT = rf"(?:{_DOMAIN_NAME}|{_IPV6})(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN_AND_PORT}/)?{_REMOTE_NAME}"

# All used with fullmatch (Go anchors with ^…$; Python's $ would accept a trailing \n).
_REFERENCE_RE = lazy(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII)
_NAME_RE = lazy(rf"(?:({_DOMAIN_AND_PORT})/)?({_REMOTE_NAME})", re.ASCII)
_TAG_RE = lazy(_TAG, re.ASCII)
_DIGEST_RE = lazy(_DIGEST, re.ASCII)
_DOMAIN_RE = lazy(_DOMAIN_AND_PORT, re.ASCII)
_PATH_COMPONENT_RE = lazy(_PATH_COMPONENT, re.ASCII)
_IDENTIFIER_RE = lazy(r"[a-f0-9]{64}", re.ASCII)
# go-digest: DigestRegexpAnchored and the registered algorithms' encoded forms
_GO_DIGEST_RE = lazy(r"[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+", re.ASCII)
_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_REFERENCE_CHARS = lazy(r"[A-Za-z0-9._:/@\[\]+-]", re.ASCII)

# Go error values, by the name of their Go variable (the vectors' "error_kind")
_INVALID_FORMAT = ("ErrReferenceInvalidFormat", "invalid reference format")
_UPPERCASE = ("ErrNameContainsUppercase", "repository name must be lowercase")
_TOO_LONG = (
    "ErrNameTooLong",
    f"repository name must not be more than {MAX_PATH_LENGTH} characters",
)
_NAME_EMPTY = ("ErrNameEmpty", "repository name must have at least one component")
_TAG_FORMAT = ("ErrTagInvalidFormat", "invalid tag format")
_DIGEST_FORMAT_REF = ("ErrDigestInvalidFormat", "invalid digest format")
_DIGEST_FORMAT = ("ErrDigestInvalidFormat", "invalid checksum digest format")
_DIGEST_LENGTH = ("ErrDigestInvalidLength", "invalid checksum digest length")
_DIGEST_UNSUPPORTED = ("ErrDigestUnsupported", "unsupported digest algorithm")

_HINT_SYNTAX = "a reference looks like [registry[:port]/]repository[:tag][@sha256:<64 hex>]"
_HINT_LOWERCASE = (
    "repository paths are lowercase; only the registry host and the tag may use capitals"
)
_HINT_DIGEST = "a digest looks like sha256:<64 lowercase hex digits>"


class InvalidReference(ReferenceError):
    """A reference Go's parser rejects.

    ``go_message`` is Go's error text exactly (what buildx prints after ``ERROR:``),
    ``kind`` the Go error variable (``ErrNameContainsUppercase``…), ``detail`` names
    the offending part; ``str(err)`` is ``go_message`` plus ``: detail`` when known.
    """

    def __init__(
        self,
        go_error: tuple[str, str],
        *,
        input: str,
        detail: str | None = None,
        hint: str | None = None,
    ) -> None:
        kind, go_message = go_error
        message = f"{go_message}: {detail}" if detail else go_message
        super().__init__(message, input=input, hint=hint or _HINT_SYNTAX)
        self.kind = kind
        self.go_message = go_message
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Reference:
    """A parsed registry reference, normalised as Go's ``ParseNormalizedNamed`` does.

    ``registry`` is the normalised domain (``docker.io`` for Docker Hub; empty only for
    odd names Go accepts without a domain, such as ``ex_ample.com/app``), ``repository``
    the path (``library/alpine``); ``tag`` and ``digest`` are as written (both may be set).
    """

    original: str
    registry: str
    repository: str
    tag: str | None = None
    digest: str | None = None

    @property
    def name(self) -> str:
        """``registry/repository`` (Go ``Name()``)."""
        return f"{self.registry}/{self.repository}" if self.registry else self.repository

    @property
    def go_string(self) -> str:
        """Go ``String()``: the name with the tag and digest given, nothing added."""
        return _with_suffixes(self.name, self.tag, self.digest)

    @property
    def normalized(self) -> str:
        """Go ``TagNameOnly(ref).String()``: ``:latest`` added when neither tag nor digest."""
        if self.tag is None and self.digest is None:
            return f"{self.name}:{DEFAULT_TAG}"
        return self.go_string

    def __str__(self) -> str:
        return self.normalized

    @property
    def familiar_name(self) -> str:
        """Go ``FamiliarName``: ``docker.io/`` and single-level ``library/`` stripped."""
        if self.registry != DOCKER_HUB:
            return self.name
        path = self.repository
        if path.startswith(OFFICIAL_PREFIX) and "/" not in path[len(OFFICIAL_PREFIX) :]:
            return path[len(OFFICIAL_PREFIX) :]
        return path

    @property
    def familiar(self) -> str:
        """Go ``FamiliarString``: the familiar name with the tag and digest given."""
        return _with_suffixes(self.familiar_name, self.tag, self.digest)

    @property
    def scope(self) -> str:
        """Token scope for pulling this repository."""
        return f"repository:{self.repository}:pull"

    @property
    def identifier(self) -> str:
        """What to fetch: the digest when given (it wins over a tag), else the tag or ``latest``."""
        return self.digest or self.tag or DEFAULT_TAG

    def with_digest(self, digest: str) -> Reference:
        """Go ``WithDigest``: keeps the tag, sets or replaces the digest (buildx ``Name:`` lines)."""
        if not _DIGEST_RE.fullmatch(digest):
            raise InvalidReference(
                _DIGEST_FORMAT_REF, input=digest, detail=f"digest {digest!r}", hint=_HINT_DIGEST
            )
        new = _with_suffixes(self.name, self.tag, digest)
        return Reference(new, self.registry, self.repository, self.tag, digest)

    def with_tag(self, tag: str) -> Reference:
        """Go ``WithTag``: sets or replaces the tag, keeps a digest."""
        if not _TAG_RE.fullmatch(tag):
            raise InvalidReference(_TAG_FORMAT, input=tag, detail=_tag_problem(tag))
        new = _with_suffixes(self.name, tag, self.digest)
        return Reference(new, self.registry, self.repository, tag, self.digest)

    def with_default_tag(self) -> Reference:
        """Go ``TagNameOnly``: adds ``latest`` when there is neither tag nor digest."""
        if self.tag is None and self.digest is None:
            return self.with_tag(DEFAULT_TAG)
        return self

    def repository_only(self) -> Reference:
        """Go ``TrimNamed``: the name without tag or digest."""
        return Reference(self.name, self.registry, self.repository)


def _with_suffixes(name: str, tag: str | None, digest: str | None) -> str:
    out = name
    if tag is not None:
        out += f":{tag}"
    if digest is not None:
        out += f"@{digest}"
    return out


# --- ParseNormalizedNamed ---------------------------------------------------------------


def parse_reference(text: str) -> Reference:
    """Parse like Go ``reference.ParseNormalizedNamed``; raise :class:`InvalidReference`."""
    if _IDENTIFIER_RE.fullmatch(text):
        raise InvalidReference(
            (
                "NameIsHexIdentifier",
                f"invalid repository name ({text}), cannot specify 64-byte hexadecimal strings",
            ),
            input=text,
            hint="a bare 64-hex string is an image ID; write NAME@sha256:<hex> instead",
        )
    domain, remainder = _split_docker_domain(text)
    remote = remainder.split(":", 1)[0]
    if remote.lower() != remote:
        raise InvalidReference(
            (
                "ErrNameContainsUppercase",
                f"invalid reference format: repository name ({remote}) must be lowercase",
            ),
            input=text,
            hint=_HINT_LOWERCASE,
        )
    return _parse(f"{domain}/{remainder}", original=text)


def _split_docker_domain(name: str) -> tuple[str, str]:
    """Go ``splitDockerDomain``: decide whether the first component is a registry."""
    maybe_domain, sep, maybe_remote = name.partition("/")
    if not sep:
        return DOCKER_HUB, OFFICIAL_PREFIX + name
    if maybe_domain == "localhost":
        domain, remote = maybe_domain, maybe_remote
    elif maybe_domain == LEGACY_DOCKER_HUB:
        domain, remote = DOCKER_HUB, maybe_remote
    elif "." in maybe_domain or ":" in maybe_domain or maybe_domain.lower() != maybe_domain:
        domain, remote = maybe_domain, maybe_remote
    else:
        domain, remote = DOCKER_HUB, name
    if domain == DOCKER_HUB and "/" not in remote:
        remote = OFFICIAL_PREFIX + remote
    return domain, remote


def _parse(text: str, *, original: str) -> Reference:
    """Go ``reference.Parse`` restricted to named references (always the case here)."""
    match = _REFERENCE_RE.fullmatch(text)
    if match is None:
        lowered = text.lower()
        if lowered != text and _REFERENCE_RE.fullmatch(lowered):
            raise InvalidReference(_UPPERCASE, input=original, hint=_HINT_LOWERCASE)
        detail, hint = _diagnose(original)
        raise InvalidReference(_INVALID_FORMAT, input=original, detail=detail, hint=hint)
    name, tag, digest = match.group(1), match.group(2), match.group(3)
    name_match = _NAME_RE.fullmatch(name)
    domain, path = (name_match.group(1) or "", name_match.group(2)) if name_match else ("", name)
    if len(path.encode()) > MAX_PATH_LENGTH:
        raise InvalidReference(
            _TOO_LONG,
            input=original,
            detail=f"the path {path[:24]}… is {len(path)} characters",
            hint="shorten the repository path",
        )
    if digest is not None:
        validate_digest(digest, input=original)
    if not path:  # unreachable for normalised names, kept for parity with Go
        raise InvalidReference(_NAME_EMPTY, input=original)
    return Reference(original, domain, path, tag, digest)


def validate_digest(digest: str, *, input: str | None = None) -> str:
    """Go ``digest.Parse`` (sha256/sha384/sha512 registered): return the digest or raise."""
    where = input if input is not None else digest
    alg, sep, encoded = digest.partition(":")
    if not alg or not sep or not encoded:
        raise InvalidReference(
            _DIGEST_FORMAT,
            input=where,
            detail=f"digest {digest!r} is not ALGORITHM:HEX",
            hint=_HINT_DIGEST,
        )
    want = _HEX_LENGTHS.get(alg)
    if want is None:
        if not _GO_DIGEST_RE.fullmatch(digest):
            raise InvalidReference(
                _DIGEST_FORMAT,
                input=where,
                detail=f"digest {digest!r} is malformed",
                hint=_HINT_DIGEST,
            )
        raise InvalidReference(
            _DIGEST_UNSUPPORTED,
            input=where,
            detail=f"algorithm {alg!r} (supported: sha256, sha384, sha512)",
            hint=_HINT_DIGEST,
        )
    if len(encoded) != want:
        raise InvalidReference(
            _DIGEST_LENGTH,
            input=where,
            detail=f"{alg} needs {want} hex digits, {digest[:24]}… has {len(encoded)}",
            hint=_HINT_DIGEST,
        )
    if not re.fullmatch(rf"[a-f0-9]{{{want}}}", encoded):
        raise InvalidReference(
            _DIGEST_FORMAT,
            input=where,
            detail=f"{alg} hex must be lowercase 0-9 a-f in {digest[:24]}…",
            hint=_HINT_DIGEST,
        )
    return digest


# --- diagnosis: which part broke the grammar ------------------------------------------


def _diagnose(text: str) -> tuple[str | None, str | None]:
    """Name the first offending part of a reference Go called ``invalid reference format``."""
    if not text:
        return "empty reference", None
    if text.startswith(LAYOUT_PREFIX):
        return (
            f"{text!r} names a local OCI layout, not a registry repository",
            "oci-layout://PATH[:TAG|@DIGEST] is accepted where local layouts are",
        )
    if "://" in text:
        scheme = text.split("://", 1)[0]
        return (
            f"a reference has no URL scheme ({scheme}://)",
            "drop the scheme: registry.example.com/repo:tag",
        )
    for ch in text:
        if not _REFERENCE_CHARS.fullmatch(ch):
            return f"character {ch!r} is not allowed in {text!r}", None
    name_tag, at, digest = text.partition("@")
    if at:
        problem = _digest_problem(digest)
        if problem:
            return problem, _HINT_DIGEST
    name, tag = _split_tag(name_tag)
    if tag is not None:
        problem = _tag_problem(tag)
        if problem:
            return problem, None
    return _name_problem(name), None


def _split_tag(name_tag: str) -> tuple[str, str | None]:
    colon = name_tag.rfind(":")
    if colon >= 0 and "/" not in name_tag[colon + 1 :]:
        return name_tag[:colon], name_tag[colon + 1 :]
    return name_tag, None


def _digest_problem(digest: str) -> str | None:
    if "@" in digest:
        return "more than one '@'"
    if not digest:
        return "empty digest after '@'"
    if not _DIGEST_RE.fullmatch(digest):
        return f"digest {digest!r} must be ALGORITHM:HEX with at least 32 hex digits"
    return None


def _tag_problem(tag: str) -> str | None:
    if not tag:
        return "empty tag after ':'"
    if len(tag) > 128:
        return f"tag is {len(tag)} characters, at most 128 are allowed"
    if not _TAG_RE.fullmatch(tag):
        return f"tag {tag!r} must start with A-Z a-z 0-9 _ and contain only A-Z a-z 0-9 _ . -"
    return None


def _name_problem(name: str) -> str | None:
    if not name:
        return "missing repository name"
    parts = name.split("/")
    first = parts[0]
    if len(parts) > 1 and (
        first == "localhost" or "." in first or ":" in first or first.lower() != first
    ):
        if not _DOMAIN_RE.fullmatch(first):
            return f"registry {first!r} is not a valid host[:port]"
        parts = parts[1:]
    elif ":" in name:
        return "more than one ':' (a tag follows the last ':'; a :PORT belongs to a registry host before '/')"
    path = "/".join(parts)
    for part in parts:
        if not part:
            return f"repository path {path!r} has an empty component"
        if not _PATH_COMPONENT_RE.fullmatch(part):
            return (
                f"path component {part!r} must be lowercase letters and digits "
                "joined by '.', '_', '__' or '-'"
            )
    return None


# --- oci-layout:// ----------------------------------------------------------------------


@dataclass(frozen=True)
class LayoutReference:
    """``oci-layout://PATH[:TAG][@DIGEST]`` as buildx parses it (tag ``latest`` by default)."""

    path: str
    tag: str | None
    digest: str | None
    original: str

    @property
    def name(self) -> str:
        """``oci-layout://PATH`` (the layout's Source name)."""
        return LAYOUT_PREFIX + self.path

    def __str__(self) -> str:
        return _with_suffixes(self.name, self.tag, self.digest)

    @property
    def identifier(self) -> str:
        """What to resolve inside the layout: the digest when given, else the tag."""
        return self.digest or self.tag or DEFAULT_TAG

    def with_digest(self, digest: str) -> LayoutReference:
        """buildx ``Location.WithDigest`` for layouts: the tag is dropped."""
        validate_digest(digest)
        new = LayoutReference(self.path, None, digest, "")
        return LayoutReference(self.path, None, digest, str(new))

    def with_tag(self, tag: str) -> LayoutReference:
        """buildx ``Location.WithTag`` for layouts: the digest is dropped."""
        if not _TAG_RE.fullmatch(tag):
            raise InvalidReference(_TAG_FORMAT, input=tag, detail=_tag_problem(tag))
        return LayoutReference(
            self.path, tag, None, _with_suffixes(LAYOUT_PREFIX + self.path, tag, None)
        )


def parse_layout_reference(text: str) -> LayoutReference:
    """Parse ``oci-layout://…`` like buildx ``ocilayout.Parse``.

    A trailing ``@DIGEST`` (after the last ``@``) and then a trailing ``:TAG`` (after
    the last ``:``) are taken only when they are well formed, so ``@`` and ``:`` may
    appear inside the path; a Windows drive colon (``C:\\``) is never a tag separator.
    """
    if not text.startswith(LAYOUT_PREFIX):
        raise InvalidReference(
            _INVALID_FORMAT,
            input=text,
            detail=f"{text!r} does not start with {LAYOUT_PREFIX}",
            hint="write oci-layout://PATH[:TAG|@DIGEST]",
        )
    path = text[len(LAYOUT_PREFIX) :]
    tag: str | None = None
    digest: str | None = None
    at = path.rfind("@")
    if at >= 0 and _DIGEST_RE.fullmatch(path[at + 1 :]):
        digest = validate_digest(path[at + 1 :], input=text)
        path = path[:at]
    colon = path.rfind(":")
    if colon >= 0 and not _is_windows_drive(path, colon) and _TAG_RE.fullmatch(path[colon + 1 :]):
        path, tag = path[:colon], path[colon + 1 :]
    if tag is None and digest is None:
        tag = DEFAULT_TAG
    if not path:
        raise InvalidReference(
            _INVALID_FORMAT,
            input=text,
            detail="empty layout path",
            hint="write oci-layout://PATH[:TAG|@DIGEST]",
        )
    return LayoutReference(path, tag, digest, text)


def _is_windows_drive(path: str, colon: int) -> bool:
    return (
        colon == 1
        and len(path) >= 3
        and path[2] in "/\\"
        and path[0].isascii()
        and path[0].isalpha()
    )


def parse_any(text: str) -> Reference | LayoutReference:
    """A registry reference, or an ``oci-layout://`` reference when prefixed so."""
    if text.startswith(LAYOUT_PREFIX):
        return parse_layout_reference(text)
    return parse_reference(text)


# --- endpoints and credentials ---------------------------------------------------------


def _is_docker_hub(registry: str) -> bool:
    return registry.lower() in (DOCKER_HUB, LEGACY_DOCKER_HUB, DOCKER_HUB_ENDPOINT)


def _split_host_port(registry: str) -> tuple[str, str | None]:
    """``host[:port]`` → (host without brackets, port); bare IPv6 stays whole."""
    if registry.startswith("["):
        end = registry.find("]")
        if end > 0:
            rest = registry[end + 1 :]
            return registry[1:end], rest[1:] if rest.startswith(":") else None
    if registry.count(":") == 1:
        host, port = registry.split(":")
        return host, port
    return registry, None


def is_loopback(host: str) -> bool:
    """True for ``localhost``, 127.0.0.0/8 and ``::1``, with or without ``:port``/brackets."""
    for candidate in (host, _split_host_port(host)[0]):
        if candidate.lower() == "localhost":
            return True
        try:
            if ipaddress.ip_address(candidate).is_loopback:
                return True
        except ValueError:
            continue
    return False


def registry_endpoint(registry: str, insecure: Collection[str] = ()) -> str:
    """``scheme://host[:port]`` to speak the distribution API to ``registry``.

    Docker Hub (``docker.io``/``index.docker.io``) → ``https://registry-1.docker.io``.
    Plain ``http`` only for loopback hosts (as buildx does) or for registries listed in
    ``insecure`` (matched as ``host:port`` or bare host); everything else is ``https``.
    """
    if not registry:
        raise ReferenceError(
            "reference has no registry host",
            input=registry,
            hint="write the registry explicitly: registry.example.com/repo:tag",
        )
    if _is_docker_hub(registry):
        return f"https://{DOCKER_HUB_ENDPOINT}"
    plain = is_loopback(registry) or is_listed(registry, insecure)
    return f"{'http' if plain else 'https'}://{registry}"


def registry_problem(registry: str) -> str | None:
    """Why ``registry`` is not a valid ``host[:port]``, or None."""
    if not _DOMAIN_RE.fullmatch(registry):
        return f"registry {registry[:80]!r} is not a valid host[:port]"
    return None


def split_registry_prefix(text: str) -> tuple[str, str]:
    """``host[:port][/prefix]`` (a catalog or audit target) → (host, prefix).

    A URL is a :class:`~ocitrace.errors.UsageError` (registries are named without a
    scheme), an invalid host a :class:`~ocitrace.errors.ReferenceError`.
    """
    hint = "give HOST[:PORT][/PREFIX], e.g. 127.0.0.1:5000 or registry.example/team/"
    if "://" in text:
        raise UsageError(f"{text}: give a registry host, not a URL", input=text, hint=hint)
    host, _, prefix = text.partition("/")
    if not host:
        raise UsageError(f"{text!r}: empty registry host", input=text, hint=hint)
    problem = registry_problem(host)
    if problem:
        raise ReferenceError(f"{text}: {problem}", input=text, hint=hint)
    return host, prefix


def repository_problem(path: str) -> str | None:
    """Why ``path`` (a repository name without its registry) is not valid, or None.

    Names from the network (catalog pages) pass here before they go into a URL, so
    ``..``, ``?``, ``%`` or ``#`` can never reshape a request."""
    if not path:
        return "missing repository name"
    if len(path) > MAX_PATH_LENGTH:
        return f"repository name is {len(path)} characters, at most {MAX_PATH_LENGTH} are allowed"
    for part in path.split("/"):
        if not _PATH_COMPONENT_RE.fullmatch(part):
            return (
                f"path component {part[:80]!r} must be lowercase letters and digits "
                "joined by '.', '_', '__' or '-'"
            )
    return None


def is_listed(registry: str, hosts: Collection[str]) -> bool:
    """``registry`` (``host[:port]``) or its bare host is one of ``hosts``
    (``--insecure-registry`` entries match either way)."""
    return registry in hosts or _split_host_port(registry)[0] in hosts


def auth_key_candidates(registry: str) -> list[str]:
    """Keys to look up in docker config ``auths``/credential helpers, most specific first."""
    if _is_docker_hub(registry):
        return ["https://index.docker.io/v1/", LEGACY_DOCKER_HUB, DOCKER_HUB_ENDPOINT, DOCKER_HUB]
    return [registry, f"https://{registry}", f"http://{registry}"]
