"""`make demo`: ocitrace at work on a throwaway local registry seeded with real BuildKit output.

Starts Debian's ``docker-registry`` on 127.0.0.1 (a kernel-chosen free port, state under
``.demo/registry``), pushes real BuildKit fixtures byte for byte — the README's namespaces:
``demo/`` (the audit example's seven images), ``acme/`` (the digest examples and the
example policy file's rules) and ``sig/`` (the signature audit: a real keyless-signed
image, a tampered copy, an unsigned one) — runs the main commands, and one ``audit --policy`` that writes
the table and the JSON, JUnit, SARIF, Markdown and HTML reports (into ``.demo/reports``).
Then it stops the registry, unless ``--keep`` (``make demo KEEP=1``): the registry stays up
for the README's examples and ``--stop`` (``make demo-stop``) ends it.  Without
``docker-registry`` (not installed and not root) the commands run on ``oci-layout://``
fixtures instead.

Importable (the README test seeds its registry with it): :func:`seed`, :data:`DEMO`,
:data:`ACME`, :func:`audit_args`.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.registry import (  # noqa: E402  (repo-local helper, import after path setup)
    RunningRegistry,
    push_layout,
    registry_available,
    start_registry,
)

FIXTURES = ROOT / "fixtures"
POLICY = FIXTURES / "audit" / "policy.toml"
STATE = ROOT / ".demo"  # --state DIR

#: ``demo/<name>``: the README's audit namespace (real BuildKit fixtures and the audit's
#: derived ones, ``fixtures/audit/README.md``), pushed under their fixture names.
DEMO: tuple[str, ...] = (
    "classic-slsa02-max",
    "dirty-tree-max",
    "multi-plain",
    "multi-prov-max",
    "run-secrets-ssh-max",
    "sbom-prov-multi",
    "secret-args-max",
)

#: ``acme/<repo>`` -> fixture: the README's digest examples and the namespace the example
#: policy's rules (``acme/legacy-*``, ``acme/sbom-*``) are written for.
ACME: dict[str, str] = {
    "acme/app": "multi-prov-max",
    "acme/plain": "multi-plain",
    "acme/legacy-min": "legacy-multi-prov-min",
    "acme/sbom": "sbom-prov-multi",
    "acme/sbom-legacy": "legacy-sbom-prov-min",
    "acme/dirty": "dirty-tree-max",
    "acme/secrets": "secret-args-max",
    "acme/runner": "run-secrets-ssh-max",
}

#: report format -> file name, for the one audit run that writes them all.
REPORTS: dict[str, str] = {
    "json": "audit.json",
    "junit": "audit.xml",
    "sarif": "audit.sarif",
    "markdown": "audit.md",
    "html": "audit.html",
}


def layout(name: str) -> Path:
    """A fixture layout: ``fixtures/audit/NAME`` (derived) or ``fixtures/buildkit/NAME``."""
    derived = FIXTURES / "audit" / name
    return derived if (derived / "index.json").is_file() else FIXTURES / "buildkit" / name


def seed(reg: RunningRegistry) -> dict[str, str]:
    """Push every demo, acme and sig image (tag ``v1``); ``{"REPO:v1": digest}`` in push order."""
    pushed: dict[str, str] = {}
    repos = {f"demo/{name}": name for name in DEMO} | ACME
    for repo, fixture in repos.items():
        pushed[f"{repo}:v1"] = push_layout(reg, layout(fixture), repo, "v1")
    pushed.update(seed_signatures(reg))
    return pushed


def seed_signatures(reg: RunningRegistry) -> dict[str, str]:
    """``sig/``: the README's signature audit (as tests/audit/test_signatures.py seeds it) —
    the real ``cosign save`` layout of a slsa-github-generator image with its keyless ``.att``
    (``sig/verified``), the same with one signature bit flipped (``sig/tampered``) and an
    unsigned image (``sig/unsigned``)."""
    from tests.verify.support import (
        push_cosign_image,
        push_image,
        tamper_signature,
        tampered_layout,
    )

    pushed = {"sig/verified:v1": push_cosign_image(reg, "sig/verified")}
    with tempfile.TemporaryDirectory(prefix="ocitrace-demo-") as tmp:
        bad = tampered_layout(Path(tmp), tamper_signature)
        pushed["sig/tampered:v1"] = push_cosign_image(reg, "sig/tampered", layout=bad)
    pushed["sig/unsigned:v1"] = push_image(reg, "sig/unsigned", "v1", "unsigned image")
    return pushed


def audit_args(target: str, reports: Path, cache: Path | None = None) -> list[str]:
    """One audit with the example policy file: the table on stdout, every report to a file."""
    args = ["audit", target, "--policy", str(POLICY), "--by", "image", "--width", "100"]
    if cache is not None:
        args += ["--cache-dir", str(cache)]
    for fmt, name in REPORTS.items():
        args += ["--report", f"{fmt}={reports / name}"]
    return args


def run(args: list[str], expect: int = 0) -> bool:
    """Run one ocitrace command, echoing it like a shell session; True when it exits ``expect``."""
    shown = " ".join(shlex.quote(str(a).replace(str(ROOT) + "/", "")) for a in args)
    print(f"\n$ ocitrace {shown}", flush=True)
    code = subprocess.call([sys.executable, "-m", "ocitrace", *args], cwd=ROOT)
    if code != expect:
        print(f"(exit {code}, expected {expect})", flush=True)
    return code == expect


def session(refs: dict[str, str], reports: Path | None) -> int:
    """The demo's commands; the number that did not exit as expected."""
    multi, sbom, v02 = refs["multi"], refs["sbom"], refs["v02"]
    steps: list[tuple[list[str], int]] = [
        (["inspect", multi], 0),
        (
            [
                "inspect",
                "--format",
                "{{range $p, $v := .Provenance}}{{$p}} "
                "{{$v.SLSA.runDetails.metadata.buildkit_metadata.vcs.source}}@"
                '{{$v.SLSA.runDetails.metadata.buildkit_metadata.vcs.revision}}{{"\\n"}}{{end}}',
                multi,
            ],
            0,
        ),
        (
            [
                "inspect",
                "--platform",
                "linux/arm64",
                "--format",
                '{{.Image.Architecture}} {{.Image.Created}}{{"\\n"}}',
                multi,
            ],
            0,
        ),
        (["attestations", multi], 0),
        (["provenance", "--platform", "linux/amd64", multi], 0),
        (["provenance", "--dockerfile", "--platform", "linux/amd64", v02], 0),
        (["sbom", "--platform", "linux/amd64", sbom], 0),
    ]
    if "missing" in refs:  # one unknown tag among good ones: exit 11, the others printed
        steps.append((["digest", refs["app"], refs["missing"], refs["acme-sbom"]], 11))
    if "namespace" in refs and reports is not None:
        reports.mkdir(parents=True, exist_ok=True)
        # its own cache, so the README's audit example still starts cold (as it shows)
        cache = reports.parent / "cache"
        shutil.rmtree(cache, ignore_errors=True)
        steps.append((audit_args(refs["namespace"], reports, cache), 10))  # policy fails 3
    failures = sum(not run(args, expect) for args, expect in steps)
    if "namespace" in refs and reports is not None:
        print(f"\nreports of that one audit run (the table is above), in {_rel(reports)}/:")
        for fmt, name in REPORTS.items():
            path = reports / name
            size = f"{path.stat().st_size} bytes" if path.is_file() else "MISSING"
            print(f"  {fmt:<9} {_rel(path)}  ({size})")
            failures += not path.is_file()
    return failures


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


# --- a registry that outlives the demo (KEEP=1) ----------------------------------------


def _kept_pid(state: Path) -> int | None:
    """The pid of a registry a previous ``--keep`` run left, when it is still running."""
    try:
        pid = int((state / "registry.pid").read_text().split()[0])
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError, IndexError):
        return None
    return pid if b"docker-registry" in cmdline else None  # not a reused pid


def stop_kept(state: Path) -> bool:
    """Stop the registry a ``--keep`` run left and remove its state; True if one was running."""
    pid = _kept_pid(state)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        for _ in range(100):
            if _kept_pid(state) is None:
                break
            time.sleep(0.05)
    for name in ("registry.pid", "env"):
        (state / name).unlink(missing_ok=True)
    shutil.rmtree(state / "registry", ignore_errors=True)
    return pid is not None


def _print_keep(reg: RunningRegistry, pid: int, state: Path) -> None:
    envfile = state / "env"
    envfile.write_text(
        f"export REG={reg.host}\nexport PATH={shlex.quote(str(ROOT / '.venv' / 'bin'))}:$PATH\n"
    )
    (state / "registry.pid").write_text(f"{pid}\n")
    stop = "make demo-stop" if state == STATE else f"python tools/demo.py --stop --state {state}"
    print(
        f"""
The demo registry is still running at {reg.host} (pid {pid}, state in {_rel(state / "registry")}).
Use it for the README's examples, from this directory:

  source {_rel(envfile)}       # export REG={reg.host} and put .venv/bin on PATH
  ocitrace audit $REG/demo/ --policy fixtures/audit/policy.toml --by image
  ocitrace digest $REG/acme/app:v1 $REG/acme/sbom:v1

Stop it with:  {stop}   (or: kill {pid})"""
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the registry running")
    parser.add_argument("--stop", action="store_true", help="stop a registry left by --keep")
    parser.add_argument(
        "--state", type=Path, default=STATE, help="registry data, pid, env and reports (.demo)"
    )
    opts = parser.parse_args(argv)
    state: Path = opts.state.resolve()
    if opts.stop:
        print("demo registry stopped" if stop_kept(state) else "no demo registry was running")
        return 0
    reports = state / "reports"
    if not registry_available():
        print("docker-registry is not installed: showing ocitrace on oci-layout:// fixtures")
        failures = session(
            {
                "multi": f"oci-layout://{layout('multi-prov-max')}:v1",
                "sbom": f"oci-layout://{layout('sbom-prov-multi')}:v1",
                "v02": f"oci-layout://{layout('classic-slsa02-max')}:v1",
            },
            None,
        )
        return 1 if failures else 0
    if stop_kept(state):
        print("stopped the registry an earlier `make demo KEEP=1` left running")
    reg = start_registry(state / "registry")
    pid = reg.processes[-1].pid
    try:
        print(f"started a throwaway registry at {reg.host}; pushing real BuildKit fixtures:")
        for ref, digest in seed(reg).items():
            print(f"  {reg.host}/{ref:<26} {digest}")
        failures = session(
            {
                "multi": f"{reg.host}/demo/multi-prov-max:v1",
                "sbom": f"{reg.host}/demo/sbom-prov-multi:v1",
                "v02": f"{reg.host}/demo/classic-slsa02-max:v1",
                "app": f"{reg.host}/acme/app:v1",
                "missing": f"{reg.host}/acme/app:nope",
                "acme-sbom": f"{reg.host}/acme/sbom:v1",
                "namespace": f"{reg.host}/demo/",
            },
            reports,
        )
    except BaseException:
        reg.stop()
        raise
    if opts.keep:
        reg.processes.clear()  # outlives this process: --stop (make demo-stop) ends it
        _print_keep(reg, pid, state)
    else:
        reg.stop()
        shutil.rmtree(state / "registry", ignore_errors=True)
        print("\nregistry stopped (make demo KEEP=1 leaves it running for the README's examples)")
    if failures:
        print(f"\n{failures} demo step(s) failed", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
