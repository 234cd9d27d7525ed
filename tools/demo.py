"""`make demo`: ocitrace at work on a throwaway local registry seeded with real BuildKit output.

Starts Debian's ``docker-registry`` on 127.0.0.1 (a random free port, in-memory state under a
temporary directory), pushes two real BuildKit fixtures byte for byte, runs the main ocitrace
commands against them, then stops the registry.  Without ``docker-registry`` (not installed
and not root), the same commands run on the ``oci-layout://`` fixture instead.
"""

from __future__ import annotations

import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.registry import (  # noqa: E402  (repo-local helper, import after path setup)
    fixture_dir,
    push_layout,
    registry_available,
    start_registry,
)

FIXTURES = ("multi-prov-max", "sbom-prov-multi", "classic-slsa02-max")


def run(*args: str) -> int:
    """Run one ocitrace command, echoing it like a shell session."""
    print(f"\n$ ocitrace {' '.join(shlex.quote(a) for a in args)}", flush=True)
    return subprocess.call([sys.executable, "-m", "ocitrace", *args], cwd=ROOT)


def session(ref: str, sbom_ref: str, v02_ref: str, namespace: str | None) -> int:
    failures = 0
    failures += run("inspect", ref) != 0
    failures += (
        run("inspect", "--format", "{{range $p, $i := .Image}}{{$p}} {{$i.Created}}\n{{end}}", ref)
        != 0
    )
    failures += (
        run(
            "inspect",
            "--format",
            "{{range $p, $v := .Provenance}}{{$p}} "
            "{{$v.SLSA.runDetails.metadata.buildkit_metadata.vcs.source}}@"
            "{{$v.SLSA.runDetails.metadata.buildkit_metadata.vcs.revision}}\n{{end}}",
            ref,
        )
        != 0
    )
    failures += (
        run("inspect", "--platform", "linux/arm64", "--format", "{{.Image.Architecture}}\n", ref)
        != 0
    )
    for cmd in (
        ("attestations", ref),
        ("provenance", "--platform", "linux/amd64", ref),
        ("provenance", "--dockerfile", "--platform", "linux/amd64", v02_ref),
        ("sbom", "--platform", "linux/amd64", sbom_ref),
        ("digest", ref, sbom_ref, v02_ref),
    ):
        failures += run(*cmd) != 0
    if namespace:
        failures += run("audit", namespace) not in (0, 10)
    return failures


def main() -> int:
    if not registry_available():
        print("docker-registry is not installed: showing ocitrace on an oci-layout:// fixture")
        layout = f"oci-layout://{fixture_dir('multi-prov-max')}:v1"
        sbom = f"oci-layout://{fixture_dir('sbom-prov-multi')}:v1"
        v02 = f"oci-layout://{fixture_dir('classic-slsa02-max')}:v1"
        return 1 if session(layout, sbom, v02, None) else 0
    with tempfile.TemporaryDirectory(prefix="ocitrace-demo-") as tmp:
        reg = start_registry(Path(tmp))
        try:
            print(f"started a throwaway registry at {reg.host}; pushing real BuildKit fixtures:")
            for name in FIXTURES:
                digest = push_layout(reg, fixture_dir(name), f"demo/{name}", "v1")
                print(f"  {reg.host}/demo/{name}:v1  {digest}")
            failures = session(
                f"{reg.host}/demo/multi-prov-max:v1",
                f"{reg.host}/demo/sbom-prov-multi:v1",
                f"{reg.host}/demo/classic-slsa02-max:v1",
                f"{reg.host}/demo/",
            )
        finally:
            reg.stop()
            print("\nregistry stopped")
    if failures:
        print(f"\n{failures} demo step(s) failed", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
