"""Regenerate fixtures/inspect-oracle/cases.jsonl (+ models.json): Go's output for each template × model.

Models are read from fixture layouts through ocitrace (top descriptor, index body, raw
image configs, decoded attestation predicates re-serialised), then rendered by the Go
program in this directory, whose structs copy buildx's and image-spec's.  Run from the
repository root: ``.venv/bin/python tools/inspect-oracle/make_cases.py`` (needs ``go``).
TZ is pinned to UTC so time zone names do not depend on the machine; the checkout path
in error texts is written ``{ROOT}``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from ocitrace.errors import OcitraceError  # noqa: E402
from ocitrace.inspect.inspection import Inspection  # noqa: E402
from ocitrace.layout import LayoutSource  # noqa: E402
from ocitrace.oci.model import Manifest  # noqa: E402
from ocitrace.reference import parse_layout_reference  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = ROOT / "fixtures" / "inspect-oracle" / "cases.jsonl"
MODELS = OUT.with_name("models.json")  # which layout image each model id is


def model_input(spec: dict[str, str], pool: ThreadPoolExecutor) -> dict[str, Any]:
    """The raw pieces buildx builds its template input from, for one layout image."""
    ref = parse_layout_reference(f"oci-layout://{ROOT / spec['layout']}:{spec['tag']}")
    source = LayoutSource(ref.path)
    ins = Inspection(source, ref, pool)
    images: dict[str, str] = {}
    for key, node in ins.tree.shape().images.items():
        desc = node.descriptor
        if desc.digest == ins.top.descriptor.digest:
            manifest = Manifest.parse(ins.top.data)
        else:
            manifest = ins.tree.manifest(desc)
        if manifest.config is not None:
            images[key] = source.blob(manifest.config).decode()
    out: dict[str, Any] = {
        "id": spec["id"],
        "name": spec["name"],
        "multi": ins.is_multi(),
        "top": ins.top.descriptor.to_json(),
        "index": ins.top.data.decode() if ins.is_index else None,
        "images": images,
        "provenance": {},
        "sbom": {},
        "provenance_error": "",
        "sbom_error": "",
    }
    try:
        out["provenance"] = {k: json.dumps(v) for k, v in ins.provenance().items()}
    except OcitraceError as exc:  # the cause text is ocitrace's; Go adds the template frame
        out["provenance_error"] = str(exc).replace(str(ROOT), "{ROOT}")
    try:
        out["sbom"] = {
            k: [json.dumps(d) for d in (v.spdx, *v.additional)] for k, v in ins.sbom().items()
        }
    except OcitraceError as exc:
        out["sbom_error"] = str(exc).replace(str(ROOT), "{ROOT}")
    return out


def main() -> int:
    spec = json.loads((HERE / "cases.in.json").read_text())
    with ThreadPoolExecutor(8) as pool:
        models = [model_input(m, pool) for m in spec["models"]]
    templates = [
        {"id": f"{t['id']}/{m}", "model": m, "template": t["template"]}
        for t in spec["templates"]
        for m in t["models"]
    ]
    proc = subprocess.run(
        ["go", "run", "."],
        cwd=HERE,
        input=json.dumps({"models": models, "templates": templates}).encode(),
        capture_output=True,
        env={**os.environ, "TZ": "UTC"},
        check=True,
    )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_bytes(proc.stdout)
    MODELS.write_text(json.dumps(spec["models"], indent=2) + "\n")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(templates)} cases", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
