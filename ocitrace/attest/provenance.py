"""One normalised provenance record across SLSA v0.1, v0.2 and v1 (FORMATS.md §4).

:func:`parse_provenance` maps the version-specific field names onto
:class:`ProvenanceRecord`, which ``inspect``, ``audit``, ``provenance`` and later commands
share.  BuildKit's extras (vcs hints, embedded Dockerfile, LLB, hermetic/reproducible)
are read from both metadata locations; other builders' provenance fills what it has and
leaves the rest empty.

The source repository and revision are found by one rule per producer; the rule that
found them is ``ProvenanceRecord.source_from`` (see :data:`SOURCE_RULES`):

* BuildKit: its ``vcs`` hints, else a remote ``configSource`` (git context);
* GitHub Actions (``https://actions.github.io/buildtypes/workflow/v1`` and the older
  ``https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1``, also written
  by slsa-github-generator's generic/container builders and npm), and
  slsa-github-generator's delegator (BYOB): ``externalParameters.workflow`` with the
  ``gitCommit`` of its ``resolvedDependencies`` entry;
* Google Cloud Build v1: ``externalParameters.buildConfigSource`` (repository, ref, path),
  revision from the git dependency or ``systemSubstitutions.COMMIT_SHA``;
* GitLab runner: ``externalParameters.source`` and ``resolvedDependencies[0]``;
* SLSA v0.2 producers (slsa-github-generator, GCB, GitLab, Tekton Chains): the
  ``invocation.configSource`` uri and digest;
* fallback for any other buildType (Tekton Chains v1, …): the first dependency (v1
  ``resolvedDependencies`` / v0.2 ``materials``) whose URI is ``git+…`` with a
  ``gitCommit`` or ``sha1`` digest.

``git+`` prefixes and ``@ref`` suffixes are split off: ``source_repository`` is the
repository URL, ``source_ref`` the ref.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..errors import FormatError
from .envelope import b64decode
from .purl import parse_purl
from .timestamp import Timestamp, parse_timestamp
from .types import (
    SLSA_PROVENANCE_V01,
    SLSA_PROVENANCE_V02,
    SLSA_PROVENANCE_V1,
)

__all__ = [
    "BUILDKIT_BUILD_TYPE_V02",
    "BUILDKIT_BUILD_TYPE_V1",
    "GITHUB_WORKFLOW_BUILD_TYPE",
    "GITHUB_WORKFLOW_BUILD_TYPES",
    "SOURCE_RULES",
    "Completeness",
    "ConfigSource",
    "Dependency",
    "MountRef",
    "ProvenanceRecord",
    "SourceInfo",
    "parse_provenance",
]

BUILDKIT_BUILD_TYPE_V02 = "https://mobyproject.org/buildkit@v1"
BUILDKIT_BUILD_TYPE_V1 = (
    "https://github.com/moby/buildkit/blob/master/docs/attestations/slsa-definitions.md"
)
GITHUB_WORKFLOW_BUILD_TYPE = "https://actions.github.io/buildtypes/workflow/v1"
#: the GitHub Actions workflow buildTypes (current, and the slsa-framework one npm,
#: actions/attest before 2024 and slsa-github-generator v2 write)
GITHUB_WORKFLOW_BUILD_TYPES: frozenset[str] = frozenset(
    {
        GITHUB_WORKFLOW_BUILD_TYPE,
        "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
    }
)
_DELEGATOR_PREFIX = "https://github.com/slsa-framework/slsa-github-generator/delegator"
_GCB_BUILD_TYPES = frozenset(
    {
        "https://cloud.google.com/build/gcb-buildtypes/google-worker/v1",
        "https://slsa-framework.github.io/gcb-buildtypes/triggered-build/v1",
    }
)
_GITLAB_PREFIX = "https://gitlab.com/gitlab-org/gitlab-runner/"
#: ``ProvenanceRecord.source_from`` values: which rule found the source
SOURCE_RULES: Mapping[str, str] = {
    "vcs": "BuildKit vcs:source / vcs:revision hints",
    "config-source": "configSource uri and digest (BuildKit git context, SLSA v0.2 producers)",
    "workflow": "GitHub Actions externalParameters.workflow + its resolvedDependencies commit",
    "gcb-build-config": "Cloud Build externalParameters.buildConfigSource",
    "gitlab-source": "GitLab externalParameters.source + resolvedDependencies[0] digest",
    "resolved-dependency": "first git+ resolvedDependencies entry with a gitCommit/sha1 digest",
    "materials": "first git+ material with a gitCommit/sha1 digest",
    "recipe": "SLSA v0.1 recipe.definedInMaterial",
}
_REVISION_ALGS = ("gitCommit", "sha1")
_V02_BUILDKIT_METADATA = "https://mobyproject.org/buildkit@v1#metadata"
_V02_HERMETIC = "https://mobyproject.org/buildkit@v1#hermetic"
_DIRTY = "-dirty"
_FRONTEND_IMAGES = frozenset({"docker/dockerfile", "docker/dockerfile-upstream"})


@dataclass(frozen=True, slots=True)
class ConfigSource:
    """Where the build definition came from: v1 ``configSource{uri,digest,path}``,
    v0.2 ``configSource{uri,digest,entryPoint}``, v0.1 ``recipe.entryPoint``."""

    uri: str = ""
    digest: Mapping[str, str] = field(default_factory=dict)
    path: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"uri": self.uri, "digest": dict(self.digest), "path": self.path}


@dataclass(frozen=True, slots=True)
class Dependency:
    """A material / resolved dependency.

    ``kind``: ``base-image`` (a ``pkg:docker`` image used by the build graph, or whose use is
    unknown because there is no LLB — mode=min), ``image`` (a ``pkg:docker`` image the LLB
    does not use, or without LLB one named like BuildKit's SBOM scanner
    ``…/buildkit-syft-scanner`` or a ``docker/dockerfile`` frontend), ``git``, ``http``, ``other``.
    ``image_ref``/``platform`` are decoded from docker purls.
    """

    uri: str
    digests: Mapping[str, str] = field(default_factory=dict)
    kind: str = "other"
    image_ref: str = ""
    platform: str = ""
    in_build_graph: bool | None = None  # None: no LLB to tell (mode=min)

    @property
    def digest(self) -> str:
        """The preferred digest as ``alg:hex`` (sha256 first, then sha1, then any)."""
        for alg in ("sha256", "sha1", "gitCommit"):
            if alg in self.digests:
                return f"{alg}:{self.digests[alg]}"
        for alg, hex_ in self.digests.items():
            return f"{alg}:{hex_}"
        return ""

    def to_json(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "digest": dict(self.digests),
            "kind": self.kind,
            "imageRef": self.image_ref,
            "platform": self.platform,
            "inBuildGraph": self.in_build_graph,
        }


@dataclass(frozen=True, slots=True)
class MountRef:
    """A secret or ssh id requested by the build (mode=max only)."""

    id: str
    optional: bool = False

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "optional": self.optional}


@dataclass(frozen=True, slots=True)
class Completeness:
    """Whether the builder claims to list every input of each kind.

    v0.2: ``parameters``/``environment``/``materials``; v1 (BuildKit):
    ``request`` → parameters, ``resolvedDependencies`` → materials, environment None.
    """

    parameters: bool | None = None
    environment: bool | None = None
    materials: bool | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "parameters": self.parameters,
            "environment": self.environment,
            "materials": self.materials,
        }


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """One ``source.infos[]`` entry of BuildKit metadata; ``data`` is base64 as written."""

    filename: str = ""
    language: str = ""
    data: str = field(default="", repr=False)

    def content(self) -> bytes:
        """The decoded file bytes; FormatError when ``data`` is not base64."""
        return b64decode(self.data, f"embedded source {self.filename or '?'}")


@dataclass(frozen=True, slots=True)
class ProvenanceRecord:
    """The normalised provenance record.  Empty string / None / () mean "not stated"."""

    slsa_version: str  # "v1" | "v0.2" | "v0.1"
    predicate_type: str
    statement_type: str = ""
    build_type: str = ""
    builder_id: str = ""
    mode: str | None = None  # "max" | "min" for BuildKit, None for other builders
    frontend: str = ""
    frontend_source: str = ""  # gateway frontend image (request arg "source")
    source_repository: str = ""
    source_revision: str = ""  # "-dirty" suffix removed
    source_dirty: bool = False
    source_from: str = ""  # the rule that found the source: a SOURCE_RULES key, or ""
    source_ref: str = ""  # e.g. "refs/tags/v14" (from a git+…@ref URI or workflow.ref)
    config_source: ConfigSource = field(default_factory=ConfigSource)
    invocation_id: str = ""
    started: Timestamp | None = None
    finished: Timestamp | None = None
    dependencies: tuple[Dependency, ...] = ()
    hermetic: bool | None = None
    reproducible: bool | None = None
    completeness: Completeness = field(default_factory=Completeness)
    builder_platform: str = ""
    dockerfile_version: str = ""
    args: Mapping[str, str] = field(default_factory=dict)  # frontend options as received
    secrets: tuple[MountRef, ...] = ()
    ssh: tuple[MountRef, ...] = ()
    locals: tuple[str, ...] = ()
    vcs: Mapping[str, str] = field(default_factory=dict)
    source_infos: tuple[SourceInfo, ...] = ()
    has_build_config: bool = False
    predicate: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def is_buildkit(self) -> bool:
        return self.build_type in (BUILDKIT_BUILD_TYPE_V02, BUILDKIT_BUILD_TYPE_V1)

    @property
    def build_args(self) -> dict[str, str]:
        """``build-arg:NAME`` request args, prefix removed."""
        return _prefixed(self.args, "build-arg:")

    @property
    def labels(self) -> dict[str, str]:
        """``label:KEY`` request args, prefix removed."""
        return _prefixed(self.args, "label:")

    @property
    def base_images(self) -> tuple[Dependency, ...]:
        return tuple(d for d in self.dependencies if d.kind == "base-image")

    @property
    def dockerfile_embedded(self) -> bool:
        return self._dockerfile_info() is not None

    @property
    def duration_ns(self) -> int | None:
        if self.started is None or self.finished is None:
            return None
        return self.finished - self.started

    def dockerfile_bytes(self) -> bytes | None:
        """The embedded Dockerfile (mode=max) exactly as BuildKit stored it, or None."""
        info = self._dockerfile_info()
        return None if info is None else info.content()

    def dockerfile(self) -> str | None:
        """The embedded Dockerfile as text (UTF-8, undecodable bytes replaced), or None."""
        data = self.dockerfile_bytes()
        return None if data is None else data.decode("utf-8", errors="replace")

    def _dockerfile_info(self) -> SourceInfo | None:
        for info in self.source_infos:
            if info.language.lower() == "dockerfile" and info.data:
                return info
        return next((i for i in self.source_infos if i.data), None)

    def to_json(self) -> dict[str, Any]:
        """Stable JSON shape for ``--json`` (camelCase keys, timestamps at full precision)."""
        return {
            "slsaVersion": self.slsa_version,
            "predicateType": self.predicate_type,
            "statementType": self.statement_type,
            "buildType": self.build_type,
            "builderId": self.builder_id,
            "mode": self.mode,
            "frontend": self.frontend,
            "frontendSource": self.frontend_source,
            "source": {
                "repository": self.source_repository,
                "revision": self.source_revision,
                "dirty": self.source_dirty,
                "from": self.source_from,
                "ref": self.source_ref,
            },
            "configSource": self.config_source.to_json(),
            "invocationId": self.invocation_id,
            "startedOn": self.started.isoformat() if self.started else None,
            "finishedOn": self.finished.isoformat() if self.finished else None,
            "dependencies": [d.to_json() for d in self.dependencies],
            "hermetic": self.hermetic,
            "reproducible": self.reproducible,
            "completeness": self.completeness.to_json(),
            "builderPlatform": self.builder_platform,
            "dockerfileVersion": self.dockerfile_version,
            "buildArgs": self.build_args,
            "labels": self.labels,
            "secrets": [s.to_json() for s in self.secrets],
            "ssh": [s.to_json() for s in self.ssh],
            "locals": list(self.locals),
            "vcs": dict(self.vcs),
            "dockerfileEmbedded": self.dockerfile_embedded,
        }


def _prefixed(args: Mapping[str, str], prefix: str) -> dict[str, str]:
    return {k[len(prefix) :]: v for k, v in args.items() if k.startswith(prefix)}


# --------------------------------------------------------------------------- parsing


def parse_provenance(
    predicate: Mapping[str, Any], predicate_type: str, statement_type: str = ""
) -> ProvenanceRecord:
    """Normalise a SLSA provenance predicate; FormatError for other predicate types or
    a predicate that is not an object / has malformed timestamps."""
    if not isinstance(predicate, Mapping):
        raise FormatError(f"{predicate_type} predicate is not a JSON object", input=predicate_type)
    if predicate_type == SLSA_PROVENANCE_V1:
        fields = _v1(predicate)
    elif predicate_type == SLSA_PROVENANCE_V02:
        fields = _v02(predicate)
    elif predicate_type == SLSA_PROVENANCE_V01:
        fields = _v01(predicate)
    else:
        raise FormatError(
            f"not a SLSA provenance predicate type: {predicate_type!r}",
            input=predicate_type,
            hint="expected https://slsa.dev/provenance/v1, v0.2 or v0.1",
        )
    return ProvenanceRecord(
        predicate_type=predicate_type,
        statement_type=statement_type,
        predicate=predicate,
        **fields,
    )


def _v1(p: Mapping[str, Any]) -> dict[str, Any]:
    bd = _obj(p, "buildDefinition")
    ext = _obj(bd, "externalParameters")
    internal = _obj(bd, "internalParameters")
    run = _obj(p, "runDetails")
    meta = _obj(run, "metadata")
    bk = _obj(meta, "buildkit_metadata")
    cs = _obj(ext, "configSource")
    build_type = _str(bd, "buildType")
    buildkit = build_type == BUILDKIT_BUILD_TYPE_V1
    comp = _obj(meta, "buildkit_completeness")
    build_config = internal.get("buildConfig")
    fields = _common(
        request=_obj(ext, "request"),
        bk=bk,
        build_config=build_config,
        config=ConfigSource(_str(cs, "uri"), _digest(cs.get("digest")), _str(cs, "path")),
        buildkit=buildkit,
    )
    fields.update(
        slsa_version="v1",
        build_type=build_type,
        builder_id=_str(_obj(run, "builder"), "id"),
        # v0.32.2 writes invocationId, v0.26.3 wrote invocationID [fixtures]
        invocation_id=_str(meta, "invocationId") or _str(meta, "invocationID"),
        started=_time(meta, "startedOn"),
        finished=_time(meta, "finishedOn"),
        dependencies=_dependencies(bd.get("resolvedDependencies"), build_config),
        hermetic=_flag(meta.get("buildkit_hermetic"), buildkit),
        reproducible=_flag(meta.get("buildkit_reproducible"), buildkit),
        completeness=Completeness(
            parameters=_opt_bool(comp.get("request")),
            materials=_opt_bool(comp.get("resolvedDependencies")),
        ),
        builder_platform=_str(internal, "builderPlatform"),
        dockerfile_version=_str(internal, "dockerfileVersion"),
    )
    if not buildkit:
        fields.update(_v1_source(build_type, ext, internal, fields["dependencies"]))
    return fields


def _v02(p: Mapping[str, Any]) -> dict[str, Any]:
    inv = _obj(p, "invocation")
    env = _obj(inv, "environment")
    meta = _obj(p, "metadata")
    bk = _obj(meta, _V02_BUILDKIT_METADATA)
    cs = _obj(inv, "configSource")
    build_type = _str(p, "buildType")
    buildkit = build_type == BUILDKIT_BUILD_TYPE_V02
    comp = _obj(meta, "completeness")
    build_config = p.get("buildConfig")
    fields = _common(
        request=_obj(inv, "parameters"),
        bk=bk,
        build_config=build_config,
        config=ConfigSource(_str(cs, "uri"), _digest(cs.get("digest")), _str(cs, "entryPoint")),
        buildkit=buildkit,
    )
    fields.update(
        slsa_version="v0.2",
        build_type=build_type,
        builder_id=_str(_obj(p, "builder"), "id"),
        # BuildKit writes buildInvocationID; the spec (npm, sigstore-python, GCB) buildInvocationId
        invocation_id=_str(meta, "buildInvocationID") or _str(meta, "buildInvocationId"),
        started=_time(meta, "buildStartedOn"),
        finished=_time(meta, "buildFinishedOn"),
        dependencies=_dependencies(p.get("materials"), build_config),
        hermetic=_flag(meta.get(_V02_HERMETIC), buildkit),
        reproducible=_flag(meta.get("reproducible"), buildkit),
        completeness=Completeness(
            parameters=_opt_bool(comp.get("parameters")),
            environment=_opt_bool(comp.get("environment")),
            materials=_opt_bool(comp.get("materials")),
        ),
        builder_platform=_str(env, "platform"),
        dockerfile_version=_str(env, "dockerfileVersion"),
    )
    if not buildkit:
        fields.update(_v02_source(fields["config_source"], fields["dependencies"]))
    return fields


def _v01(p: Mapping[str, Any]) -> dict[str, Any]:
    recipe = _obj(p, "recipe")
    meta = _obj(p, "metadata")
    comp = _obj(meta, "completeness")
    materials = p.get("materials")
    config = ConfigSource(path=_str(recipe, "entryPoint"))
    defined_in = recipe.get("definedInMaterial")
    chosen = _at(materials, defined_in)
    if chosen:
        config = ConfigSource(_str(chosen, "uri"), _digest(chosen.get("digest")), config.path)
    return {
        "slsa_version": "v0.1",
        "build_type": _str(recipe, "type"),
        "builder_id": _str(_obj(p, "builder"), "id"),
        "config_source": config,
        "invocation_id": _str(meta, "buildInvocationId"),
        "started": _time(meta, "buildStartedOn"),
        "finished": _time(meta, "buildFinishedOn"),
        "dependencies": _dependencies(materials, None),
        "reproducible": _opt_bool(meta.get("reproducible")),
        "completeness": Completeness(
            parameters=_opt_bool(comp.get("arguments")),
            environment=_opt_bool(comp.get("environment")),
            materials=_opt_bool(comp.get("materials")),
        ),
        **_v01_source(config, _dependencies(materials, None)),
    }


def _common(
    *,
    request: Mapping[str, Any],
    bk: Mapping[str, Any],
    build_config: Any,
    config: ConfigSource,
    buildkit: bool,
) -> dict[str, Any]:
    """Fields laid out the same way in v0.2 and v1 (request, BuildKit metadata)."""
    args = _obj(request, "args")
    vcs = {str(k): str(v) for k, v in _obj(bk, "vcs").items()}
    source_infos = _source_infos(_obj(bk, "source").get("infos"))
    has_build_config = isinstance(build_config, Mapping)
    mode = None
    if buildkit:
        mode = "max" if has_build_config or source_infos else "min"
    return {
        "mode": mode,
        "frontend": _str(request, "frontend"),
        "frontend_source": str(args.get("source") or ""),
        "config_source": config,
        "args": {str(k): str(v) for k, v in args.items()},
        "secrets": _mounts(request.get("secrets")),
        "ssh": _mounts(request.get("ssh")),
        "locals": tuple(
            _str(x, "name") for x in (request.get("locals") or ()) if isinstance(x, Mapping)
        ),
        "vcs": vcs,
        "source_infos": source_infos,
        "has_build_config": has_build_config,
        **_source_fields(vcs, config),
    }


def _source_fields(vcs: Mapping[str, str], config: ConfigSource) -> dict[str, Any]:
    """Repository and revision: the vcs hints, else a remote configSource (git context)."""
    repo, revision, origin = vcs.get("source", ""), vcs.get("revision", ""), "vcs"
    if not (repo or revision):
        repo, origin = config.uri.split("#", 1)[0], "config-source"
        revision = config.digest.get("sha1") or config.digest.get("gitCommit") or ""
        if not (repo or revision):
            origin = ""
    dirty = revision.endswith(_DIRTY)
    if dirty:
        revision = revision[: -len(_DIRTY)]
    return {
        "source_repository": repo,
        "source_revision": revision,
        "source_dirty": dirty,
        "source_from": origin,
        "source_ref": config.uri.partition("#")[2] if origin == "config-source" else "",
    }


def split_git_uri(uri: str) -> tuple[str, str]:
    """``git+https://host/o/r@refs/tags/v1`` → (``https://host/o/r``, ``refs/tags/v1``).

    The ``git+`` prefix goes, a ``#fragment`` or an ``@ref`` after the host part is the ref
    (the user part of ``ssh://git@host/…`` is not one).
    """
    rest = uri[4:] if uri.startswith("git+") else uri
    repo, sep, fragment = rest.partition("#")
    if sep:
        return repo, fragment
    scheme, sep, tail = repo.partition("://")
    if not sep:
        scheme, tail = "", repo
    host, slash, path = tail.partition("/")
    if slash and "@" in path:
        path, _, ref = path.rpartition("@")
        return f"{scheme}{'://' if scheme else ''}{host}/{path}", ref
    return repo, ""


def _revision(digests: Mapping[str, str], algs: tuple[str, ...] = _REVISION_ALGS) -> str:
    return next((digests[a] for a in algs if digests.get(a)), "")


def _found(rule: str, repo: str, revision: str, ref: str = "") -> dict[str, Any]:
    if not (repo or revision):
        return {}
    dirty = revision.endswith(_DIRTY)
    return {
        "source_repository": repo,
        "source_revision": revision[: -len(_DIRTY)] if dirty else revision,
        "source_dirty": dirty,
        "source_from": rule,
        "source_ref": ref,
    }


def _git_dependency(
    deps: tuple[Dependency, ...], repo: str = ""
) -> tuple[Dependency | None, str, str]:
    """The first ``git+…`` (or git-typed) dependency with a gitCommit/sha1 digest, preferring
    one of ``repo``; with its split repository and ref."""
    first: tuple[Dependency | None, str, str] = (None, "", "")
    for d in deps:
        if not (d.uri.startswith("git+") or d.kind == "git") or not _revision(d.digests):
            continue
        dep_repo, ref = split_git_uri(d.uri)
        if not repo or _same_repo(dep_repo, repo):
            return d, dep_repo, ref
        if first[0] is None:
            first = (d, dep_repo, ref)
    return first


def _same_repo(a: str, b: str) -> bool:
    def norm(x: str) -> str:
        x = split_git_uri(x)[0].lower().rstrip("/")
        return x[:-4] if x.endswith(".git") else x

    return norm(a) == norm(b)


def _fallback(deps: tuple[Dependency, ...], rule: str) -> dict[str, Any]:
    dep, repo, ref = _git_dependency(deps)
    return {} if dep is None else _found(rule, repo, _revision(dep.digests), ref)


def _v1_source(
    build_type: str,
    ext: Mapping[str, Any],
    internal: Mapping[str, Any],
    deps: tuple[Dependency, ...],
) -> dict[str, Any]:
    """The source of a non-BuildKit SLSA v1 predicate, by buildType (module docstring)."""
    if build_type in GITHUB_WORKFLOW_BUILD_TYPES or build_type.startswith(_DELEGATOR_PREFIX):
        wf = _obj(ext, "workflow")
        repo, ref = _str(wf, "repository"), _str(wf, "ref")
        if repo:
            dep, _, dep_ref = _git_dependency(deps, repo)
            revision = _revision(dep.digests) if dep else ""
            return _found("workflow", split_git_uri(repo)[0], revision, ref or dep_ref)
    elif build_type in _GCB_BUILD_TYPES:
        bcs = _obj(ext, "buildConfigSource")
        repo, ref = split_git_uri(_str(bcs, "repository"))
        if repo:
            dep, _, _ = _git_dependency(deps, repo)
            subs = _obj(internal, "systemSubstitutions")
            revision = (_revision(dep.digests) if dep else "") or _str(subs, "COMMIT_SHA")
            return _found("gcb-build-config", repo, revision, _str(bcs, "ref") or ref)
    elif build_type.startswith(_GITLAB_PREFIX):
        repo = _str(ext, "source")
        if repo:
            first = deps[0] if deps else None
            revision = _revision(first.digests, ("sha256", *_REVISION_ALGS)) if first else ""
            return _found("gitlab-source", repo, revision)
    return _fallback(deps, "resolved-dependency")


def _v02_source(config: ConfigSource, deps: tuple[Dependency, ...]) -> dict[str, Any]:
    """A non-BuildKit SLSA v0.2 predicate: its configSource, else a git material."""
    if config.uri:
        repo, ref = split_git_uri(config.uri)
        # GitLab writes the commit as digest.sha256 of the project URL
        revision = _revision(config.digest, (*_REVISION_ALGS, "sha256"))
        return _found("config-source", repo, revision, ref)
    return _fallback(deps, "materials")


def _v01_source(config: ConfigSource, deps: tuple[Dependency, ...]) -> dict[str, Any]:
    if config.uri:
        repo, ref = split_git_uri(config.uri)
        return _found("recipe", repo, _revision(config.digest), ref)
    return _fallback(deps, "materials")


def _source_infos(items: Any) -> tuple[SourceInfo, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(
        SourceInfo(_str(i, "filename"), _str(i, "language"), _str(i, "data"))
        for i in items
        if isinstance(i, Mapping)
    )


def _mounts(items: Any) -> tuple[MountRef, ...]:
    if not isinstance(items, list):
        return ()
    return tuple(
        MountRef(_str(i, "id"), bool(i.get("optional", False)))
        for i in items
        if isinstance(i, Mapping)
    )


def _dependencies(items: Any, build_config: Any) -> tuple[Dependency, ...]:
    if not isinstance(items, list):
        return ()
    llb_images = _llb_image_digests(build_config)
    return tuple(
        _dependency(i, llb_images) for i in items if isinstance(i, Mapping) and i.get("uri")
    )


def _dependency(item: Mapping[str, Any], llb_images: frozenset[str] | None) -> Dependency:
    uri = _str(item, "uri")
    digests = _digest(item.get("digest"))
    if uri.startswith("pkg:docker/"):
        try:
            purl = parse_purl(uri)
        except FormatError:
            return Dependency(uri, digests, "other")
        used = None
        if llb_images is not None:
            used = f"sha256:{digests.get('sha256', '')}" in llb_images
        tool = _is_tool_image(purl.namespace, purl.name)
        return Dependency(
            uri,
            digests,
            "image" if used is False or (used is None and tool) else "base-image",
            image_ref=purl.image_ref(),
            platform=purl.qualifiers.get("platform", ""),
            in_build_graph=used,
        )
    return Dependency(uri, digests, _uri_kind(uri, digests))


def _is_tool_image(namespace: str, name: str) -> bool:
    """Images BuildKit runs beside the build, never as a base: the default SBOM scanner and
    the Dockerfile frontend images (only consulted when there is no LLB to tell)."""
    full = f"{namespace}/{name}" if namespace else name
    return name == "buildkit-syft-scanner" or full in _FRONTEND_IMAGES


def _uri_kind(uri: str, digests: Mapping[str, str]) -> str:
    lower = uri.lower()
    path = lower.split("#", 1)[0]
    if lower.startswith(("git://", "git+", "git@", "ssh://")) or path.endswith(".git"):
        return "git"
    if "gitCommit" in digests:
        return "git"
    if lower.startswith(("http://", "https://")):
        return "http"
    return "other"


def _llb_image_digests(build_config: Any) -> frozenset[str] | None:
    """Digests pinned by ``docker-image://…@sha256:…`` LLB source ops; None without LLB."""
    if not isinstance(build_config, Mapping):
        return None
    steps = build_config.get("llbDefinition")
    if not isinstance(steps, list):
        return None
    found: set[str] = set()
    for step in steps:
        op = _obj(_obj(step, "op"), "Op") if type(step) is dict or isinstance(step, Mapping) else {}
        ident = _str(_obj(op, "source"), "identifier")
        if ident.startswith("docker-image://") and "@" in ident:
            found.add(ident.rsplit("@", 1)[1])
    return frozenset(found)


# --------------------------------------------------------------------------- JSON helpers


def _obj(parent: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if type(value) is dict:  # what json.loads gives: skips the ABC check (hot: ~40 per record)
        return value
    return value if isinstance(value, Mapping) else {}


def _str(parent: Mapping[str, Any], key: str) -> str:
    value = parent.get(key)
    return value if isinstance(value, str) else ""


def _at(items: Any, index: Any) -> Mapping[str, Any]:
    """``items[index]`` when that is an object, else ``{}``."""
    if isinstance(items, list) and isinstance(index, int) and 0 <= index < len(items):
        item = items[index]
        return item if isinstance(item, Mapping) else {}
    return {}


def _digest(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): str(v) for k, v in value.items()}


def _opt_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _flag(value: Any, buildkit: bool) -> bool | None:
    """BuildKit omits false flags (omitempty), so absence means False for BuildKit."""
    if isinstance(value, bool):
        return value
    return False if buildkit else None


def _time(meta: Mapping[str, Any], key: str) -> Timestamp | None:
    value = meta.get(key)
    if value is None or value == "":
        return None
    return parse_timestamp(value, field=key)
