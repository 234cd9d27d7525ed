"""lookup: batch digest resolution over real BuildKit layouts and a counting fake."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocitrace.errors import NotFound, ReferenceError
from ocitrace.layout import LayoutSource
from ocitrace.oci.model import Descriptor
from ocitrace.oci.platform import parse_platform
from ocitrace.reference import LayoutReference, Reference
from ocitrace.resolve import lookup_digests, resolve_digest
from ocitrace.source import Fetched, Referrers, Source

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "buildkit"
# index digests from fixtures/buildkit/README.md (checked against the registry that served them)
MULTI_PROV_MAX = "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
SINGLE_PLAIN = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"
MULTI_DOCKER = "sha256:22e5a7324930519b2c61d6b636eb05b255ddecefc430aaaefefc2c1a3017f31d"
APP_AMD64 = "sha256:379cd4e41970247d4c20b159af259b9ae8b72a779463de4d6f0bb52f88f70a83"
APP_ARMV7 = "sha256:cb98c8ffd089d139a752ee37a27aec8d513caae35f4f4d5caaaec70f80cfaeb7"


def layout_opener(ref: Reference | LayoutReference) -> Source:
    assert isinstance(ref, LayoutReference)
    return LayoutSource(ref.path)


def ref(name: str, suffix: str = ":v1") -> str:
    return f"oci-layout://{FIXTURES / name}{suffix}"


def test_digests_in_input_order_with_a_bad_line_in_the_middle() -> None:
    inputs = [ref("multi-prov-max"), "Not A Reference!", ref("single-plain"), ref("multi-docker")]
    results = list(lookup_digests(inputs, layout_opener, concurrency=4))
    assert [r.input for r in results] == inputs
    assert results[0].digest == MULTI_PROV_MAX
    assert isinstance(results[1].error, ReferenceError)
    assert results[2].digest == SINGLE_PLAIN
    assert results[3].digest == MULTI_DOCKER
    assert [r.ok for r in results] == [True, False, True, True]


def test_platform_picks_the_child_manifest() -> None:
    results = list(
        lookup_digests(
            [ref("multi-prov-max"), ref("multi-prov-max", f"@{MULTI_PROV_MAX}")],
            layout_opener,
            platform=parse_platform("linux/arm/v7"),
        )
    )
    assert [r.digest for r in results] == [APP_ARMV7, APP_ARMV7]


def test_platform_on_single_manifest_returns_it() -> None:
    [res] = lookup_digests(
        [ref("single-plain")], layout_opener, platform=parse_platform("linux/arm64")
    )
    assert res.digest == SINGLE_PLAIN


def test_missing_platform_is_not_found_with_available_list() -> None:
    src = LayoutSource(FIXTURES / "multi-prov-max")
    with pytest.raises(NotFound) as info:
        resolve_digest(src, "v1", platform=parse_platform("linux/s390x"))
    assert "linux/amd64, linux/arm64, linux/arm/v7" in info.value.hint


def test_missing_tag_is_a_per_line_error() -> None:
    results = list(
        lookup_digests([ref("multi-prov-max", ":nope"), ref("multi-plain")], layout_opener)
    )
    assert isinstance(results[0].error, NotFound)
    assert results[1].ok


class CountingSource:
    """Answers every tag with one descriptor; counts calls; records concurrency."""

    def __init__(self, name: str, gate: threading.Barrier | None = None) -> None:
        self._name = name
        self.resolves = 0
        self._gate = gate
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    def resolve(self, ref: str) -> Descriptor:
        with self._lock:
            self.resolves += 1
        if self._gate is not None:
            self._gate.wait(timeout=5)
        return Descriptor("application/vnd.oci.image.manifest.v1+json", "sha256:" + "a" * 64, 2)

    def manifest(self, ref: str) -> Fetched:  # pragma: no cover - not used by lookup here
        raise NotImplementedError

    def blob(self, desc: Descriptor, *, max_size: int | None = None) -> bytes:  # pragma: no cover
        raise NotImplementedError

    def tags(self) -> Iterator[str]:  # pragma: no cover
        raise NotImplementedError

    def referrers(
        self, digest: str, artifact_type: str | None = None
    ) -> Referrers:  # pragma: no cover
        raise NotImplementedError


def test_one_source_per_repository_and_concurrent_resolution() -> None:
    gate = threading.Barrier(4)  # only passes when 4 resolutions run at the same time
    opened: list[str] = []
    sources: dict[str, CountingSource] = {}

    def opener(r: Reference | LayoutReference) -> Source:
        opened.append(r.name)
        sources[r.name] = CountingSource(r.name, gate)
        return sources[r.name]

    inputs = [f"127.0.0.1:5000/app:t{i}" for i in range(4)] + [
        f"127.0.0.1:5000/other:t{i}" for i in range(4)
    ]
    results = list(lookup_digests(inputs, opener, concurrency=4))
    assert all(r.ok for r in results)
    assert sorted(opened) == ["127.0.0.1:5000/app", "127.0.0.1:5000/other"]
    assert sources["127.0.0.1:5000/app"].resolves == 4
    assert results[0].name == "127.0.0.1:5000/app"


def test_cli_digest_stdin_order_errors_and_exit_code(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from ocitrace.cli import exitcodes
    from ocitrace.cli.main import main

    stdin = f"{ref('multi-prov-max')}\nBad Ref\n\n# comment\n{ref('single-plain')}\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["digest", ref("multi-docker"), "-"])
    out, err = capsys.readouterr()
    assert out.splitlines() == [MULTI_DOCKER, MULTI_PROV_MAX, SINGLE_PLAIN]
    assert err.startswith("ocitrace: digest: Bad Ref: invalid reference format")
    assert len(err.splitlines()) == 1
    assert code == exitcodes.PARTIAL


def test_cli_digest_all_failed_uses_the_error_code(capsys: pytest.CaptureFixture[str]) -> None:
    from ocitrace.cli import exitcodes
    from ocitrace.cli.main import main

    assert main(["digest", ref("multi-prov-max", ":nope")]) == exitcodes.NOT_FOUND
    assert capsys.readouterr().out == ""


def test_cli_digest_json_with_platform(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from ocitrace.cli.main import main

    assert main(["digest", "--json", "--platform", "linux/amd64", ref("multi-prov-max")]) == 0
    obj = json.loads(capsys.readouterr().out)
    assert obj["digest"] == APP_AMD64
    assert obj["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert obj["tag"] == "v1"
