"""Benchmark: buildx's Dockerfile-extraction template over a ~1 MB SLSA v1 provenance.

The document is a real BuildKit predicate (fixtures/buildkit/classic-slsa1-max) inflated
with extra resolvedDependencies, layer entries and source infos, so `range` has work to
do.  Prints the median wall time per render; not a test.
"""

from __future__ import annotations

import copy
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from ocitrace.template import Template

ROOT = Path(__file__).resolve().parents[1]
BLOB = ROOT / "fixtures/buildkit/classic-slsa1-max/blobs/sha256"
PREFIX = "0eb2f8f93d19"  # the in-toto statement of the amd64 image (fixtures/buildkit/README.md)
TARGET_BYTES = 1_000_000
ROUNDS = 15

# From the buildx docs, adapted to the SLSA v1 field names (FORMATS.md §4.1).
DOCKERFILE_TEMPLATE = (
    "{{ range .Provenance.SLSA.runDetails.metadata.buildkit_metadata.source.infos }}"
    '{{ if eq .filename "Dockerfile" }}{{ .data }}{{ end }}{{ end }}'
)


def inflated_provenance(target: int) -> dict[str, Any]:
    """The real predicate, grown by repeating its own entries until it encodes to >= target bytes."""
    (path,) = list(BLOB.glob(PREFIX + "*"))
    predicate: dict[str, Any] = json.loads(path.read_bytes())["predicate"]
    meta = predicate["runDetails"]["metadata"]["buildkit_metadata"]
    infos = meta["source"]["infos"]
    deps = predicate["buildDefinition"].setdefault("resolvedDependencies", [])
    layer = next(iter(meta["layers"].values()))
    i = 0
    while len(json.dumps(predicate)) < target:
        for _ in range(50):
            i += 1
            deps.append(
                {"uri": f"pkg:docker/example/dep{i}@v{i}", "digest": {"sha256": f"{i:064x}"}}
            )
            meta["layers"][f"step{i}:0"] = copy.deepcopy(layer)
            extra = copy.deepcopy(infos[0])
            extra["filename"] = f"extra/{i}.Dockerfile"
            infos.insert(0, extra)
    return {"Name": "example", "Provenance": {"SLSA": predicate}}


def main() -> int:
    data = inflated_provenance(TARGET_BYTES)
    size = len(json.dumps(data))
    tpl = Template("").parse(DOCKERFILE_TEMPLATE)
    n_infos = len(
        data["Provenance"]["SLSA"]["runDetails"]["metadata"]["buildkit_metadata"]["source"]["infos"]
    )
    times = []
    out = ""
    for _ in range(ROUNDS):
        start = time.perf_counter()
        out = tpl.execute(data)
        times.append(time.perf_counter() - start)
    print(f"document: {size / 1e6:.2f} MB JSON, {n_infos} source infos; output {len(out)} bytes")
    print(
        f"render (parsed once): median {statistics.median(times) * 1e3:.2f} ms over {ROUNDS} runs"
    )
    parse_times = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        Template("").parse(DOCKERFILE_TEMPLATE)
        parse_times.append(time.perf_counter() - start)
    print(f"parse: median {statistics.median(parse_times) * 1e6:.1f} us")
    return 0


if __name__ == "__main__":
    sys.exit(main())
