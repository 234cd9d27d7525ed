"""``ocitrace inspect`` end to end: default listing and --raw from a real registry and a layout."""

from __future__ import annotations

import base64
import re
import shlex

import pytest

from ocitrace.cli import exitcodes
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
    assert "--format and --raw cannot be used together" in capsys.readouterr().err


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
    assert main(["inspect", "--help"]) == 0
    out = capsys.readouterr().out
    assert ".SLSA.runDetails.metadata.buildkit_metadata.source.infos" in out
    assert '"https://mobyproject.org/buildkit@v1#metadata"' in out


# --- --format through the CLI -----------------------------------------------------------


def layout_ref(name: str) -> str:
    return f"oci-layout://{BUILDKIT / name}:v1"


def readme_app_dockerfile() -> bytes:
    text = (BUILDKIT / "README.md").read_text()
    first: str = re.findall(r"```dockerfile\n(.*?)```", text, re.S)[0]
    return first.encode()


def help_templates(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The Dockerfile-extraction templates the help shows, in order (v0.2, then v1)."""
    assert main(["inspect", "--help"]) == 0
    out = capsys.readouterr().out
    return [
        shlex.split(line)[3]
        for line in out.splitlines()
        if "source.infos" in line and line.strip().startswith("ocitrace inspect --format")
    ]


@pytest.mark.parametrize(("fixture", "which"), [("classic-slsa02-max", 0), ("multi-prov-max", 1)])
def test_help_dockerfile_templates_extract_the_dockerfile(
    fixture: str, which: int, capsys: pytest.CaptureFixture[str]
) -> None:
    templates = help_templates(capsys)
    assert len(templates) == 2
    code = main(
        ["inspect", "--platform", "linux/amd64", "--format", templates[which], layout_ref(fixture)]
    )
    assert code == 0
    assert base64.b64decode(capsys.readouterr().out) == readme_app_dockerfile()


def test_format_over_layout_equals_registry_golden(
    capsysbinary: pytest.CaptureFixture[bytes],
) -> None:
    assert main(["inspect", "--format", "{{json .Provenance}}", layout_ref("multi-prov-max")]) == 0
    assert capsysbinary.readouterr().out == golden("multi-prov-max", "json-provenance")


def test_format_manifest_gives_the_listing(
    pushed: str, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    ref = f"{pushed}/inspectcli/multi-prov-max:v1"
    assert main(["inspect", "--format", " {{ .Manifest }}\n", ref]) == 0
    assert capsysbinary.readouterr().out == golden(
        "multi-prov-max", "default", f"{pushed}/inspectcli/"
    )


def test_format_platform_single_shape(pushed: str, capsys: pytest.CaptureFixture[str]) -> None:
    ref = f"{pushed}/inspectcli/multi-prov-max:v1"
    template = '{{.Image.OS}}/{{.Image.Architecture}} {{printf "%T" .Image}} {{len .Provenance.SLSA.buildDefinition.externalParameters}}'
    assert main(["inspect", "--platform", "linux/arm64/v8", "--format", template, ref]) == 0
    out = capsys.readouterr().out
    assert out.startswith("linux/arm64 *v1.Image ")
    assert int(out.split()[-1]) > 0


def test_format_exec_error_keeps_partial_output(
    pushed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = f"{pushed}/inspectcli/multi-prov-max:v1"
    assert main(["inspect", "--format", "{{.Name}} then {{.Nope}}", ref]) == exitcodes.TEMPLATE
    captured = capsys.readouterr()
    assert captured.out == f"{ref} then "
    # buildx's text (cases/multi.partial-output-before-exec-error.stderr.txt)
    assert captured.err == (
        'ocitrace: error: template: :1:17: executing "" at <.Nope>: '
        "can't evaluate field Nope in type imagetools.tplInputs\n"
    )


def test_max_blob_size_applies_to_attestation_layers(
    pushed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ref = f"{pushed}/inspectcli/multi-prov-max:v1"
    code = main(["inspect", "--max-blob-size", "1KiB", "--format", "{{json .Provenance}}", ref])
    # several platforms: buildx turns load errors into template errors (error calling ...)
    assert code == exitcodes.TEMPLATE
    err = capsys.readouterr().err
    assert "error calling Provenance: " in err and "1024-byte limit" in err
