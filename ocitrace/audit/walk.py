"""Expand audit targets: registry/namespace → repositories (catalog) → tags → image tasks.

Each step is a small function the runner schedules on its pool: listing one
repository's tags is one job, so 50 repositories list their tags concurrently.  Tag
filters are regular expressions matched against the whole tag (``fullmatch``); cosign's
``sha256-<hex>[.sig|.att|.sbom]`` tags are excluded unless ``--exclude-tags`` is given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from ..errors import PolicyError
from ..source import Source
from .targets import AuditTarget, TargetKind

__all__ = [
    "COSIGN_TAGS",
    "Catalog",
    "ImageTask",
    "RepositoryTask",
    "TagFilter",
    "image_tasks",
    "repositories",
]

COSIGN_TAGS = r"sha256-[0-9a-f]{64}(\.[a-z]+)?"


class Catalog(Protocol):
    """What the walk needs from the registry client."""

    def repository(self, registry: str, repository: str) -> Source: ...

    def catalog(self, registry: str, prefix: str = "") -> Iterator[str]: ...


@dataclass(frozen=True, slots=True)
class RepositoryTask:
    """One repository to list tags of (or one image, when ``identifier`` is set)."""

    registry: str
    repository: str
    identifier: str | None = None

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"


@dataclass(frozen=True, slots=True)
class ImageTask:
    """One image to audit: a tag (resolved with HEAD) or a digest."""

    registry: str
    repository: str
    identifier: str

    @property
    def name(self) -> str:
        return f"{self.registry}/{self.repository}"

    @property
    def tag(self) -> str:
        """The tag column: the tag, or empty when audited by digest."""
        return "" if self.identifier.startswith("sha256:") else self.identifier


@dataclass(frozen=True, slots=True)
class TagFilter:
    """Include/exclude regular expressions over whole tags."""

    include: re.Pattern[str] | None = None
    exclude: re.Pattern[str] | None = re.compile(COSIGN_TAGS)

    @classmethod
    def parse(cls, include: str | None, exclude: str | None) -> TagFilter:
        return cls(
            _compile(include, "--tags"),
            _compile(exclude, "--exclude-tags") if exclude is not None else re.compile(COSIGN_TAGS),
        )

    def __call__(self, tag: str) -> bool:
        if self.include is not None and not self.include.fullmatch(tag):
            return False
        return not (self.exclude is not None and self.exclude.fullmatch(tag))


def _compile(pattern: str | None, what: str) -> re.Pattern[str] | None:
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise PolicyError(
            f"invalid {what} regular expression {pattern!r}: {exc}",
            input=pattern,
            hint="Python regular-expression syntax, matched against the whole tag",
        ) from exc


def repositories(target: AuditTarget, client: Catalog) -> Iterator[RepositoryTask]:
    """Repositories a target covers (catalog is paged by the client; prefix re-checked)."""
    if target.kind in (TargetKind.REPOSITORY, TargetKind.IMAGE):
        yield RepositoryTask(target.registry, target.path, target.identifier)
        return
    prefix = target.path if target.kind is TargetKind.NAMESPACE else ""
    for name in client.catalog(target.registry, prefix):
        if name.startswith(prefix):
            yield RepositoryTask(target.registry, name)


def image_tasks(repo: RepositoryTask, source: Source, tag_filter: TagFilter) -> list[ImageTask]:
    """The images of one repository: its filtered tags (sorted), or the one identifier."""
    if repo.identifier is not None:
        return [ImageTask(repo.registry, repo.repository, repo.identifier)]
    tags = sorted({t for t in source.tags() if tag_filter(t)})
    return [ImageTask(repo.registry, repo.repository, t) for t in tags]
