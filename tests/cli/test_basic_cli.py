"""``ocitrace manifest|tags|catalog`` end to end against the real registry (CLI run in process)."""

from __future__ import annotations

import argparse
import base64
import io
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ocitrace.cli import exitcodes
from ocitrace.cli.common import add_registry_options, client_from_args, parse_size, registries_of
from ocitrace.errors import ConfigError, UsageError
from ocitrace.transport import TransportOptions
from tests.cli.inproc import run_cli
from tests.conftest import RegistryFactory
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

pytestmark = pytest.mark.registry

MULTI = "sha256:7268ffcad09f564f889db02c158e2146135e86b77eab6f2e3b77480ec9c6d511"
ARM64_CHILD = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"
DOCKER_LIST = "sha256:22e5a7324930519b2c61d6b636eb05b255ddecefc430aaaefefc2c1a3017f31d"
DOCKER_AMD64 = "sha256:c1c8b61222af5d8388e85443851051bd1acaa25c900ee610909bdd260b24fe4a"


def blob(fixture: str, digest: str) -> bytes:
    return (fixture_dir(fixture) / "blobs" / "sha256" / digest.split(":")[1]).read_bytes()


def ocitrace(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, home: Path | None = None
) -> subprocess.CompletedProcess[bytes]:
    """Run the CLI (in process) as a user would, with no docker config unless ``env`` gives one."""
    return run_cli(*args, stdin=stdin, env=env, home=home)


def one_line_error(proc: subprocess.CompletedProcess[bytes]) -> str:
    err = proc.stderr.decode()
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("ocitrace: error: ")
    return lines[0]


@pytest.fixture(scope="module")
def pushed(registry: RunningRegistry) -> RunningRegistry:
    push_layout(registry, fixture_dir("multi-prov-max"), "cli/multi", "v1")
    push_layout(registry, fixture_dir("multi-docker"), "cli/docker", "v1")
    push_layout(registry, fixture_dir("single-plain"), "cli/single", "v1")
    push_layout(registry, fixture_dir("single-plain"), "cli/single", "v2")
    return registry


def test_manifest_prints_stored_bytes(pushed: RunningRegistry, tmp_path: Path) -> None:
    for ref in (f"{pushed.host}/cli/multi@{MULTI}", f"{pushed.host}/cli/multi:v1"):
        proc = ocitrace("manifest", ref, home=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == blob("multi-prov-max", MULTI)  # no newline added
        assert proc.stderr == b""


def test_manifest_platform_picks_child(pushed: RunningRegistry, tmp_path: Path) -> None:
    proc = ocitrace(
        "manifest", "--platform", "linux/arm64", f"{pushed.host}/cli/multi:v1", home=tmp_path
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == blob("multi-prov-max", ARM64_CHILD)
    proc = ocitrace(
        "manifest", "--platform", "linux/amd64", f"{pushed.host}/cli/docker:v1", home=tmp_path
    )
    assert proc.stdout == blob("multi-docker", DOCKER_AMD64)
    proc = ocitrace(
        "manifest", "--platform", "linux/s390x", f"{pushed.host}/cli/multi:v1", home=tmp_path
    )
    assert proc.returncode == exitcodes.NOT_FOUND
    assert "platforms in this index: linux/amd64, linux/arm64, linux/arm/v7" in one_line_error(proc)


def test_manifest_from_layout(tmp_path: Path) -> None:
    proc = ocitrace("manifest", f"oci-layout://{fixture_dir('multi-docker')}:v1", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == blob("multi-docker", DOCKER_LIST)


def test_tags_and_catalog(pushed: RunningRegistry, tmp_path: Path) -> None:
    proc = ocitrace("tags", f"{pushed.host}/cli/single", home=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, b"v1\nv2\n")
    proc = ocitrace("catalog", "--prefix", "cli/", pushed.host, home=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, b"cli/docker\ncli/multi\ncli/single\n")
    proc = ocitrace("catalog", "--page-size", "1", f"{pushed.host}/cli/", home=tmp_path)
    assert (proc.returncode, proc.stdout) == (0, b"cli/docker\ncli/multi\ncli/single\n")
    proc = ocitrace("tags", f"{pushed.host}/cli/single:v1", home=tmp_path)
    assert proc.returncode == exitcodes.USAGE
    assert "give a repository, not an image" in one_line_error(proc)


def test_errors_are_one_line_with_distinct_exit_codes(
    pushed: RunningRegistry, registry_factory: RegistryFactory, tmp_path: Path
) -> None:
    bad = ocitrace("manifest", f"{pushed.host}/Cli/Multi:v1", home=tmp_path)
    assert bad.returncode == exitcodes.BAD_REFERENCE
    assert "must be lowercase" in one_line_error(bad)

    missing = ocitrace("manifest", f"{pushed.host}/cli/multi:nope", home=tmp_path)
    assert missing.returncode == exitcodes.NOT_FOUND
    assert one_line_error(missing).startswith(
        f"ocitrace: error: {pushed.host}/cli/multi:nope: not found"
    )

    secured = registry_factory("htpasswd")
    push_layout(secured, fixture_dir("single-plain"), "cli/single", "v1")
    wrong = ocitrace(
        "manifest",
        "--username",
        "alice",
        "--password-stdin",
        f"{secured.host}/cli/single:v1",
        stdin="not-wonderland\n",
        home=tmp_path,
    )
    assert wrong.returncode == exitcodes.AUTH
    line = one_line_error(wrong)
    assert line.startswith(f"ocitrace: error: {secured.host}/cli/single:v1: unauthorized")
    assert "not-wonderland" not in line

    refused = ocitrace("manifest", "127.0.0.1:1/cli/single:v1", "--timeout", "5", home=tmp_path)
    assert refused.returncode == exitcodes.NETWORK
    one_line_error(refused)
    assert len({bad.returncode, missing.returncode, wrong.returncode, refused.returncode}) == 4


@pytest.mark.parametrize("mode", ["htpasswd", "token"])
def test_password_stdin(registry_factory: RegistryFactory, tmp_path: Path, mode: str) -> None:
    reg = registry_factory(mode)
    push_layout(reg, fixture_dir("single-plain"), "cli/single", "v1")
    proc = ocitrace(
        "manifest",
        "--username",
        "alice",
        "--password-stdin",
        f"{reg.host}/cli/single:v1",
        stdin="wonderland\n",
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == blob("single-plain", ARM64_CHILD)
    for command in (("inspect", "--raw"), ("tags",)):  # bound to REF's registry, still sent
        ref = f"{reg.host}/cli/single" + (":v1" if command[0] == "inspect" else "")
        proc = ocitrace(
            *command,
            "--username",
            "alice",
            "--password-stdin",
            ref,
            stdin="wonderland\n",
            home=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == (
            blob("single-plain", ARM64_CHILD) if command[0] == "inspect" else b"v1\n"
        )
    anonymous = ocitrace("manifest", f"{reg.host}/cli/single:v1", home=tmp_path)
    assert anonymous.returncode == exitcodes.AUTH
    one_line_error(anonymous)


def test_credentials_from_docker_config(registry_factory: RegistryFactory, tmp_path: Path) -> None:
    reg = registry_factory("token")
    push_layout(reg, fixture_dir("single-plain"), "cli/single", "v1")
    config = tmp_path / ".docker"
    config.mkdir()
    auth = base64.b64encode(b"alice:wonderland").decode()
    (config / "config.json").write_text(json.dumps({"auths": {reg.host: {"auth": auth}}}))
    before = len(reg.token_requests())
    proc = ocitrace("manifest", f"{reg.host}/cli/single:v1", home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == blob("single-plain", ARM64_CHILD)
    assert [r["user"] for r in reg.token_requests()[before:]] == ["alice"]


def test_credentials_from_credential_helper(
    registry_factory: RegistryFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reg = registry_factory("htpasswd")
    push_layout(reg, fixture_dir("single-plain"), "cli/single", "v1")
    bindir = tmp_path / "bin"
    bindir.mkdir()
    helper = bindir / "docker-credential-ocitest"
    asked = tmp_path / "asked.txt"
    helper.write_text(
        "#!/bin/sh\n"
        f'[ "$1" = get ] || exit 1\ncat > {asked}\n'
        'echo \'{"ServerURL":"x","Username":"alice","Secret":"wonderland"}\'\n'
    )
    helper.chmod(0o755)
    config = tmp_path / ".docker"
    config.mkdir()
    (config / "config.json").write_text(json.dumps({"credHelpers": {reg.host: "ocitest"}}))
    env = {"PATH": f"{bindir}{os.pathsep}{os.environ.get('PATH', '')}"}
    monkeypatch.setenv("PATH", env["PATH"])  # the helper runs with the process's PATH
    proc = ocitrace("tags", f"{reg.host}/cli/single", home=tmp_path, env=env)
    assert (proc.returncode, proc.stdout) == (0, b"v1\n"), proc.stderr
    assert asked.read_text().strip() == reg.host


def test_tls_with_and_without_ca(registry_factory: RegistryFactory, tmp_path: Path) -> None:
    reg = registry_factory("tls")
    push_layout(reg, fixture_dir("single-plain"), "cli/single", "v1")
    assert reg.ca_cert is not None
    ok = ocitrace(
        "manifest", "--ca-cert", str(reg.ca_cert), f"{reg.host}/cli/single:v1", home=tmp_path
    )
    assert ok.returncode == 0, ok.stderr
    assert ok.stdout == blob("single-plain", ARM64_CHILD)

    no_ca = ocitrace("manifest", f"{reg.host}/cli/single:v1", home=tmp_path)
    assert no_ca.returncode == exitcodes.NETWORK
    assert "--ca-cert" in one_line_error(no_ca)

    other_ca = tmp_path / "other-ca.pem"
    from tests.support.registry import make_tls_files

    other_ca.write_bytes(make_tls_files(tmp_path / "other")[0].read_bytes())
    untrusted = ocitrace(
        "manifest", "--ca-cert", str(other_ca), f"{reg.host}/cli/single:v1", home=tmp_path
    )
    assert untrusted.returncode == exitcodes.NETWORK
    assert "TLS verification failed" in one_line_error(untrusted)


def test_help_has_examples() -> None:
    for command in ("manifest", "tags", "catalog"):
        proc = ocitrace(command, "--help")
        assert proc.returncode == 0
        out = proc.stdout.decode()
        assert "examples:" in out
        assert "--password-stdin" in out
        assert "--max-blob-size" in out


def _args(*argv: str, stdin: str = "") -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_registry_options(parser)
    args = parser.parse_args(list(argv))
    args.stdin = io.StringIO(stdin)
    return args


def transport_options_from_args(args: argparse.Namespace, **kw: Any) -> TransportOptions:
    """The options the run's Client would build its transport with (none is built)."""
    return client_from_args(args, **kw).transport_options


def test_registry_options_to_transport_options(tmp_path: Path) -> None:
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")  # contents are checked by the TLS stack
    args = _args(
        "--insecure-registry",
        "reg.local:5000",
        "--insecure-registry",
        "other",
        "--ca-cert",
        str(ca),
        "--timeout",
        "2.5",
        "--username",
        "bob",
        "--password-stdin",
        "--max-blob-size",
        "2MiB",
    )
    args.stdin = io.StringIO("s3cret\nignored\n")
    opts = transport_options_from_args(args)
    assert opts.insecure_registries == frozenset({"reg.local:5000", "other"})
    assert (opts.ca_cert, opts.timeout, opts.username, opts.password) == (
        str(ca),
        2.5,
        "bob",
        "s3cret",
    )
    args.stdin = io.StringIO("s3cret\n")
    assert client_from_args(args).limits.blob == 2 * 1024 * 1024
    assert [parse_size(s) for s in ("65536", "64K", "64MiB", "1G")] == [
        65536,
        65536,
        64 << 20,
        1 << 30,
    ]


def test_registry_option_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--username needs --password-stdin"):
        transport_options_from_args(_args("--username", "bob"))
    with pytest.raises(UsageError, match="--password-stdin needs --username"):
        transport_options_from_args(_args("--password-stdin", stdin="x\n"))
    with pytest.raises(UsageError, match="no password on stdin"):
        transport_options_from_args(_args("--username", "b", "--password-stdin"))
    with pytest.raises(ConfigError, match="no such file"):
        transport_options_from_args(_args("--ca-cert", str(tmp_path / "missing.pem")))


def test_registries_of_names_only_registry_references() -> None:
    refs = ["reg.local:5000/a/b:v1", "alpine", "ghcr.io/x/y@sha256:" + "a" * 64, "oci-layout://./l"]
    assert registries_of([*refs, "Not A Ref"]) == frozenset(
        {"reg.local:5000", "docker.io", "ghcr.io"}
    )
    assert registries_of([]) == frozenset()


def test_username_credentials_bound_to_the_command_line_registry() -> None:
    """client_from_args binds --username creds to the references' registries; a layout
    names none; without refs nothing is bound; the client builds no transport up front."""

    def bound(**kw: Any) -> frozenset[str] | None:
        args = _args("--username", "bob", "--password-stdin", stdin="s3cret\n")
        client = client_from_args(args, **kw)
        assert client._transport is None  # nothing built before a registry call
        return client.transport_options.credential_registries

    assert bound(refs=["reg.local:5000/a/b:v1"]) == frozenset({"reg.local:5000"})
    assert bound(refs=["alpine:3"]) == frozenset({"docker.io"})
    layout = f"oci-layout://{fixture_dir('single-plain')}:v1"
    assert bound(refs=[layout]) == frozenset()
    assert bound() is None
    assert bound(registries=["a.example", "b.example:443"]) == frozenset(
        {"a.example", "b.example:443"}
    )
