"""``ocitrace inspect`` end to end: default listing and --raw from a real registry and a layout."""

from __future__ import annotations

import pytest

from ocitrace.cli.main import main
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

from .goldens import BUILDKIT, golden


@pytest.fixture(scope="module")
def pushed(registry: RunningRegistry) -> str:
    push_layout(
        registry, fixture_dir("multi-prov-max"), "inspectcli/multi-prov-max", "v1", auth=None
    )
    return registry.host


def test_default_listing_from_registry(
    pushed: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["inspect", f"{pushed}/inspectcli/multi-prov-max:v1"]) == 0
    out = capsysbinary.readouterr().out
    assert out == golden("multi-prov-max", "default", f"{pushed}/inspectcli/")


def test_raw_from_registry_has_no_newline(
    pushed: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    assert main(["inspect", "--raw", f"{pushed}/inspectcli/multi-prov-max:v1"]) == 0
    assert capsysbinary.readouterr().out == golden("multi-prov-max", "raw")


def test_raw_from_layout(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["inspect", "--raw", f"oci-layout://{BUILDKIT / 'single-plain'}:v1"]) == 0
    assert capsysbinary.readouterr().out == golden("single-plain", "raw")


def test_layout_listing_names(capsys: pytest.CaptureFixture[str]) -> None:
    path = BUILDKIT / "multi-plain"
    assert main(["inspect", f"oci-layout://{path}:v1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"Name:      oci-layout://{path}:v1\n")
    # per-entry names drop the tag for layouts, as buildx does
    assert f"  Name:      oci-layout://{path}@sha256:" in out


def test_format_and_raw_refused_before_network(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["inspect", "--raw", "--format", "{{.Name}}", "127.0.0.1:1/none:v1"])
    assert code == 2
    assert "format and raw cannot be used together" in capsys.readouterr().err


def test_unknown_tag_is_not_found(pushed: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["inspect", f"{pushed}/inspectcli/multi-prov-max:nope"]) == 4
    err = capsys.readouterr().err
    assert err.startswith("ocitrace: error: ") and "nope" in err


def test_platform_with_no_match(pushed: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(["inspect", "--platform", "linux/s390x", f"{pushed}/inspectcli/multi-prov-max:v1"])
        == 4
    )
    err = capsys.readouterr().err
    assert "linux/s390x" in err and "linux/amd64, linux/arm/v7, linux/arm64" in err


def test_help_has_dockerfile_examples(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["inspect", "--help"])
    out = capsys.readouterr().out
    assert ".SLSA.runDetails.metadata.buildkit_metadata.source.infos" in out
    assert '"https://mobyproject.org/buildkit@v1#metadata"' in out
