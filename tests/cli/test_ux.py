"""The CLI as a user meets it: one-line errors with distinct exit codes per class, no
tracebacks (``--debug`` shows one), ``-v`` request logs with secrets redacted, usage errors
naming the sub-command, ``--json`` shapes, ``--help`` examples, Ctrl-C.

Commands run in process (:func:`tests.cli.inproc.run_cli`) against Debian's docker-registry;
the Ctrl-C tests spawn ``python -m ocitrace``.
"""

from __future__ import annotations

import argparse
import io
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ocitrace.cli import exitcodes
from ocitrace.cli.main import COMMANDS, EPILOG, build_parser, main
from ocitrace.cli.redaction import Redactor
from tests.cli.inproc import default_sigint, run_cli
from tests.conftest import RegistryFactory
from tests.support.registry import RunningRegistry, fixture_dir, push_layout

pytestmark = pytest.mark.registry

PASSWORD = "S3cr3t-pw-XYZ"
WRONG = "Wr0ng-pw-QQQ"
SINGLE = "sha256:074b31602b5317242fdaf513fdfbe940ffce7fe3f14bdd879f28962618ed8246"


def run(
    *args: str, stdin: str = "", env: dict[str, str] | None = None, home: Path
) -> subprocess.CompletedProcess[str]:
    """``ocitrace ARGS`` (in process) with an empty docker config under ``home``."""
    return run_cli(*args, stdin=stdin, env=env, home=home, text=True)


def error_line(proc: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed run (asserting it is one line, no traceback)."""
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("ocitrace: error: "), lines[0]
    assert proc.stdout == ""
    return lines[0]


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


@pytest.fixture(scope="module")
def anon(registry: RunningRegistry) -> RunningRegistry:
    push_layout(registry, fixture_dir("single-plain"), "ux/single", "v1")
    push_layout(registry, fixture_dir("multi-prov-max"), "ux/multi", "v1")
    push_layout(registry, fixture_dir("single-plain"), "ux/team/a", "v1")
    push_layout(registry, fixture_dir("single-plain"), "ux/team/b", "v1")
    return registry


@pytest.fixture
def basic(registry_factory: RegistryFactory) -> RunningRegistry:
    reg = registry_factory("htpasswd", users={"alice": PASSWORD})
    push_layout(reg, fixture_dir("single-plain"), "ux/private", "v1")
    return reg


# --- error classes --------------------------------------------------------------------------


ERROR_CASES = [
    # (id, argv builder, exit code, text the line must contain)
    ("bad-reference", lambda r: ["manifest", "Not A Ref!"], exitcodes.BAD_REFERENCE, "Not A Ref"),
    ("unknown-tag", lambda r: ["manifest", f"{r}/ux/single:nope"], exitcodes.NOT_FOUND, "ux/single:nope"),
    ("unknown-repo", lambda r: ["tags", f"{r}/ux/nothing-here"], exitcodes.NOT_FOUND, "ux/nothing-here"),
    ("bad-platform", lambda r: ["manifest", "--platform", "linux/", f"{r}/ux/multi:v1"], exitcodes.USAGE, "linux/"),
    ("bad-platform-att", lambda r: ["att", "--platform", "a/b/c/d", f"{r}/ux/multi:v1"], exitcodes.USAGE, "a/b/c/d"),
    ("tag-given-to-tags", lambda r: ["tags", f"{r}/ux/single:v1"], exitcodes.USAGE, "ux/single:v1"),
    ("catalog-url", lambda r: ["catalog", f"http://{r}"], exitcodes.USAGE, "not a URL"),
    ("catalog-bad-host", lambda r: ["catalog", "bad host!"], exitcodes.BAD_REFERENCE, "bad host!"),
    ("no-provenance", lambda r: ["provenance", f"{r}/ux/single:v1"], exitcodes.NOT_FOUND, "no provenance"),
    ("no-sbom", lambda r: ["sbom", f"{r}/ux/single:v1"], exitcodes.NOT_FOUND, "no SBOM"),
    ("bad-cosign-repo", lambda r: ["att", "--cosign-repository", "BAD!!", f"{r}/ux/single:v1"], exitcodes.BAD_REFERENCE, "--cosign-repository BAD!!"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("argv", "code", "named"), [c[1:] for c in ERROR_CASES], ids=[c[0] for c in ERROR_CASES]
)
def test_error_classes(
    anon: RunningRegistry, tmp_path: Path, argv: object, code: int, named: str
) -> None:
    proc = run(*argv(anon.host), home=tmp_path)  # type: ignore[operator]
    assert proc.returncode == code, proc.stderr
    line = error_line(proc)
    assert named in line
    assert "(hint: " in line  # says what to do


def test_unreachable_registry_is_a_network_error(tmp_path: Path) -> None:
    ref = f"127.0.0.1:{closed_port()}/app:v1"
    for cmd in ("manifest", "attestations", "tags"):
        target = ref.removesuffix(":v1") if cmd == "tags" else ref
        proc = run(cmd, target, home=tmp_path)
        assert proc.returncode == exitcodes.NETWORK, proc.stderr
        line = error_line(proc)
        assert "cannot connect" in line and "hint: " in line


def test_local_layout_errors(tmp_path: Path) -> None:
    missing = run("manifest", f"oci-layout://{tmp_path}/missing:v1", home=tmp_path)
    assert missing.returncode == exitcodes.NOT_FOUND
    assert f"{tmp_path}/missing" in error_line(missing)
    (tmp_path / "plain").mkdir()
    not_layout = run("att", f"oci-layout://{tmp_path}/plain:v1", home=tmp_path)
    assert not_layout.returncode == exitcodes.BAD_REFERENCE
    assert "not an OCI image layout" in error_line(not_layout)
    unknown_tag = run("tags", f"oci-layout://{fixture_dir('single-plain')}", home=tmp_path)
    assert (unknown_tag.returncode, unknown_tag.stdout) == (0, "v1\n")


def test_ca_cert_problems_name_the_flag(anon: RunningRegistry, tmp_path: Path) -> None:
    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("hello\n")
    for path, what in (
        (tmp_path / "missing.pem", "no such file"),
        (tmp_path, "is a directory"),
        (not_pem, "no PEM certificate"),
    ):
        proc = run("manifest", "--ca-cert", str(path), f"{anon.host}/ux/single:v1", home=tmp_path)
        assert proc.returncode == exitcodes.USAGE, proc.stderr
        line = error_line(proc)
        assert f"--ca-cert {path}: {what}" in line


def test_broken_docker_config_and_failing_helper(basic: RunningRegistry, tmp_path: Path) -> None:
    ref = f"{basic.host}/ux/private:v1"
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text('{"auths": {')
    proc = run("manifest", ref, env={"DOCKER_CONFIG": str(broken)}, home=tmp_path)
    assert proc.returncode == exitcodes.USAGE
    assert f"{broken}/config.json is not valid JSON" in error_line(proc)

    helper_dir = tmp_path / "helper"
    helper_dir.mkdir()
    (helper_dir / "config.json").write_text('{"credsStore": "uxfail"}')
    helper = helper_dir / "docker-credential-uxfail"
    helper.write_text("#!/bin/sh\necho 'helper is broken' >&2\nexit 1\n")
    helper.chmod(0o755)
    env = {"DOCKER_CONFIG": str(helper_dir), "PATH": f"{helper_dir}:{os.environ['PATH']}"}
    proc = run("manifest", ref, env=env, home=tmp_path)
    assert proc.returncode == exitcodes.USAGE
    line = error_line(proc)
    assert "docker-credential-uxfail" in line and "hint: " in line


def test_wrong_password_is_auth_error_without_echo(basic: RunningRegistry, tmp_path: Path) -> None:
    ref = f"{basic.host}/ux/private:v1"
    anonymous = run("manifest", ref, home=tmp_path)
    assert anonymous.returncode == exitcodes.AUTH
    assert "docker login" in error_line(anonymous)

    for cmd in ("manifest", "attestations", "digest"):
        proc = run(
            "-vv",
            cmd,
            "--username",
            "alice",
            "--password-stdin",
            ref,
            stdin=WRONG + "\n",
            home=tmp_path,
        )
        assert proc.returncode == exitcodes.AUTH, proc.stderr
        assert WRONG not in proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        last = proc.stderr.strip().splitlines()[-1]
        assert last.startswith("ocitrace") and ref in last
        if cmd != "digest":  # digest formats its own per-item lines
            assert "rejected the password for alice" in last


def test_password_stdin_usage_errors(basic: RunningRegistry, tmp_path: Path) -> None:
    ref = f"{basic.host}/ux/private:v1"
    empty = run("manifest", "--username", "alice", "--password-stdin", ref, home=tmp_path)
    assert empty.returncode == exitcodes.USAGE
    assert "--password-stdin: no password on stdin" in error_line(empty)
    no_user = run("manifest", "--password-stdin", ref, stdin="x\n", home=tmp_path)
    assert no_user.returncode == exitcodes.USAGE
    assert "--password-stdin needs --username" in error_line(no_user)


# --- argparse usage -------------------------------------------------------------------------


def test_unknown_flag_names_the_subcommand(anon: RunningRegistry, tmp_path: Path) -> None:
    for cmd in ("manifest", "tags", "att", "provenance", "sbom", "catalog"):
        proc = run(cmd, "--no-such-flag", f"{anon.host}/ux/single", home=tmp_path)
        assert proc.returncode == 2
        lines = proc.stderr.strip().splitlines()
        usage = "attestations" if cmd == "att" else cmd  # an alias shares its parser
        assert lines[0].startswith(f"usage: ocitrace {usage} ")
        assert lines[-1] == f"ocitrace {usage}: error: unrecognized arguments: --no-such-flag"
        assert "Traceback" not in proc.stderr


def test_missing_argument_and_unknown_command(tmp_path: Path) -> None:
    missing = run("manifest", home=tmp_path)
    assert missing.returncode == 2
    assert "the following arguments are required: REF" in missing.stderr
    unknown = run("frobnicate", home=tmp_path)
    assert unknown.returncode == 2
    assert "invalid choice: 'frobnicate'" in unknown.stderr
    bare = run(home=tmp_path)
    assert bare.returncode == exitcodes.USAGE
    assert "examples:" in bare.stderr


# --- --debug and -v ----------------------------------------------------------------------------


def test_debug_shows_traceback_before_the_line(anon: RunningRegistry, tmp_path: Path) -> None:
    ref = f"{anon.host}/ux/single:nope"
    for argv in (["--debug", "manifest", ref], ["manifest", "--debug", ref]):
        proc = run(*argv, home=tmp_path)
        assert proc.returncode == exitcodes.NOT_FOUND, proc.stderr
        assert proc.stderr.startswith("Traceback (most recent call last):"), proc.stderr
        assert "ocitrace.errors.NotFound" in proc.stderr
        assert proc.stderr.strip().splitlines()[-1].startswith("ocitrace: error: ")
    parse_time = run("--debug", "manifest", "--platform", "x/", ref, home=tmp_path)
    assert parse_time.returncode == exitcodes.USAGE
    assert "Traceback" in parse_time.stderr


def test_verbose_shows_request_log_redacted(basic: RunningRegistry, tmp_path: Path) -> None:
    ref = f"{basic.host}/ux/private:v1"
    quiet = run(
        "manifest", "--username", "alice", "--password-stdin", ref, stdin=PASSWORD, home=tmp_path
    )
    assert quiet.returncode == 0 and quiet.stderr == ""
    for flag in ("-v", "-vv"):
        proc = run(
            flag,
            "manifest",
            "--username",
            "alice",
            "--password-stdin",
            ref,
            stdin=PASSWORD + "\n",
            home=tmp_path,
        )
        assert proc.returncode == 0, proc.stderr
        log = proc.stderr.splitlines()
        assert f"debug transport.core: GET {basic.url}/v2/ux/private/manifests/v1 -> 401" in log[0]
        assert any("/v2/ux/private/manifests/v1 -> 200" in line for line in log)
        assert PASSWORD not in proc.stderr
        assert "Authorization" not in proc.stderr and "Basic " not in proc.stderr
        assert not any(line.startswith("DEBUG urllib3") for line in log)  # raw wire log stays off


def test_verbose_token_flow_shows_no_token(
    registry_factory: RegistryFactory, tmp_path: Path
) -> None:
    reg = registry_factory("token", users={"alice": PASSWORD})
    push_layout(reg, fixture_dir("single-plain"), "ux/tok", "v1")
    ref = f"{reg.host}/ux/tok:v1"
    proc = run(
        "-vv",
        "attestations",
        "--json",
        "--username",
        "alice",
        "--password-stdin",
        ref,
        stdin=PASSWORD + "\n",
        home=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "/token?" in proc.stderr  # the token request is logged ...
    out = proc.stdout + proc.stderr
    assert PASSWORD not in out and "eyJ" not in out  # ... but neither password nor JWT
    assert json.loads(proc.stdout)["digest"] == SINGLE


def test_redactor_rules() -> None:
    r = Redactor()
    r.add("hunter2")
    r.add("ab")  # too short to redact safely
    text = (
        "password hunter2; Authorization: Bearer abc.def.ghi; Basic YWxpY2U6d29uZGVy; "
        "https://user:pw@s3.example/blob?X-Amz-Signature=deadbeef&x=1 ab"
    )
    assert r(text) == (
        "password REDACTED; Authorization: Bearer REDACTED; Basic REDACTED; "
        "https://REDACTED@s3.example/blob?X-Amz-Signature=REDACTED&x=1 ab"
    )


def test_logging_state_restored_after_in_process_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logger = logging.getLogger("ocitrace")
    before = (logger.level, logger.propagate, list(logger.handlers))
    layout = f"oci-layout://{fixture_dir('single-plain')}"
    assert main(["-v", "tags", layout]) == 0
    assert capsys.readouterr().out == "v1\n"
    assert (logger.level, logger.propagate, list(logger.handlers)) == before


# --- output shapes and help ---------------------------------------------------------------------


def test_tags_and_catalog_json(anon: RunningRegistry, tmp_path: Path) -> None:
    tags = run("tags", "--json", f"{anon.host}/ux/single", home=tmp_path)
    assert tags.returncode == 0, tags.stderr
    assert json.loads(tags.stdout) == {"name": f"{anon.host}/ux/single", "tags": ["v1"]}
    cat = run("catalog", "--json", "--prefix", "ux/team/", anon.host, home=tmp_path)
    assert cat.returncode == 0, cat.stderr
    assert json.loads(cat.stdout) == {"repositories": ["ux/team/a", "ux/team/b"]}


def test_json_keys_match_help(anon: RunningRegistry, tmp_path: Path) -> None:
    """The keys --help documents are the keys --json prints."""
    ref = f"oci-layout://{fixture_dir('sbom-prov-multi')}:v1"
    for cmd in ("attestations", "provenance", "sbom"):
        proc = run(cmd, "--json", ref, home=tmp_path)
        assert proc.returncode == 0, proc.stderr
        doc = json.loads(proc.stdout)
        item = doc["attestations"][0] if cmd == "attestations" else doc[0]
        nested = item.get("provenance") or item.get("summary") or {}
        help_text = run(cmd, "--help", home=tmp_path).stdout
        for key in [*doc, *item, *nested] if cmd == "attestations" else [*item, *nested]:
            assert f'"{key}"' in help_text, (cmd, key)


def test_every_command_help_has_examples(tmp_path: Path) -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    assert set(COMMANDS) <= set(sub.choices)
    for name in COMMANDS:
        text = sub.choices[name].format_help()
        assert "examples:" in text, name
        assert f"ocitrace {name}" in text.split("examples:", 1)[1] or name == "attestations"


def test_top_level_epilog_lists_the_exit_code_table() -> None:
    table = {
        "ok": exitcodes.OK, "error": exitcodes.ERROR, "usage": exitcodes.USAGE,
        "bad reference": exitcodes.BAD_REFERENCE, "not found": exitcodes.NOT_FOUND,
        "auth": exitcodes.AUTH, "network": exitcodes.NETWORK, "integrity": exitcodes.INTEGRITY,
        "template": exitcodes.TEMPLATE, "policy failed": exitcodes.POLICY,
        "some items failed": exitcodes.PARTIAL, "interrupted": exitcodes.INTERRUPTED,
    }  # fmt: skip
    flat = " ".join(EPILOG.split())
    for what, code in table.items():
        assert f"{code} {what}" in flat


def test_password_prompt_reads_first_line_only() -> None:
    from ocitrace.cli.common import add_registry_options, client_from_args

    p = argparse.ArgumentParser()
    add_registry_options(p)
    args = p.parse_args(["--username", "alice", "--password-stdin"])
    args.redactor = Redactor()
    args.stdin = io.StringIO(f"{PASSWORD}\r\nrest\n")
    opts = client_from_args(args).transport_options
    assert opts.password == PASSWORD
    assert args.redactor(f"x {PASSWORD} y") == "x REDACTED y"


# --- Ctrl-C ----------------------------------------------------------------------------------


@pytest.fixture
def blackhole() -> Iterator[str]:
    """host:port of a server that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


@pytest.mark.parametrize("cmd", ["manifest", "attestations", "audit"])
def test_ctrl_c_exits_130_promptly(blackhole: str, tmp_path: Path, cmd: str) -> None:
    env = dict(os.environ, HOME=str(tmp_path), DOCKER_CONFIG=str(tmp_path / ".docker"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "ocitrace", cmd, "--no-cache" if cmd == "audit" else "--debug",
         f"{blackhole}/app:v1"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        preexec_fn=default_sigint,
    )  # fmt: skip
    time.sleep(1.5)  # inside the hanging request
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"ocitrace {cmd} still running 10s after SIGINT")
    assert proc.returncode == exitcodes.INTERRUPTED, err
    assert "Traceback" not in err
    assert "interrupted" in err.strip().splitlines()[-1]


def test_unreadable_attestations_are_not_reported_missing(tmp_path: Path) -> None:
    """Over --max-blob-size: an integrity error naming the cap, never "no provenance found"."""
    ref = f"oci-layout://{fixture_dir('sbom-prov-multi')}:v1"
    for cmd, what in (("provenance", "provenance"), ("sbom", "SBOM")):
        proc = run(cmd, "--max-blob-size", "1K", ref, home=tmp_path)
        assert proc.returncode == exitcodes.INTEGRITY, proc.stderr
        line = error_line(proc)
        assert f"the {what} attestation of linux/amd64 could not be read" in line
        assert "1024" in line and "--max-blob-size" in line
    listing = run("attestations", "--max-blob-size", "1K", ref, home=tmp_path)
    assert listing.returncode == 0
    assert "https://slsa.dev/provenance/v1 (unreadable: " in listing.stdout


def test_some_unreadable_documents_are_warned_about(tmp_path: Path) -> None:
    """sbom-extras-classic's three SPDX layers are 13500, 12762 and 6707 bytes: under a
    13000-byte cap two are printed and the third is a warning, not a failure."""
    ref = f"oci-layout://{fixture_dir('sbom-extras-classic')}:v1"
    proc = run("sbom", "--json", "--max-blob-size", "13000", ref, home=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 2
    (warning,) = proc.stderr.strip().splitlines()
    assert warning.startswith(f"ocitrace: warning: {ref}: SBOM of linux/amd64 skipped, unreadable:")
    assert "13000" in warning
