"""Benchmark: buildx's Dockerfile-extraction template over a ~1 MB SLSA v1 provenance.

The document is a real BuildKit predicate (fixtures/buildkit/classic-slsa1-max) inflated
with extra resolvedDependencies, layer entries and source infos, so `range` has work to
do.  Prints the median wall time per render; not a test.
"""

from __future__ import annotations

import copy
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import QUICK, Figure, json_arg, write_results  # noqa: E402
from ocitrace.template import Template  # noqa: E402

BLOB = ROOT / "fixtures/buildkit/classic-slsa1-max/blobs/sha256"
PREFIX = "0eb2f8f93d19"  # the in-toto statement of the amd64 image (fixtures/buildkit/README.md)
ORACLE = ROOT / "tools/gotemplate-oracle/gotemplate-oracle"
TARGET_BYTES = 1_000_000
ROUNDS = 5 if QUICK else 15

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


GROUP = "template: Dockerfile extraction over a 1 MB provenance"


def main(argv: list[str]) -> int:
    data = inflated_provenance(TARGET_BYTES)
    size = len(json.dumps(data))
    tpl = Template("").parse(DOCKERFILE_TEMPLATE)
    n_infos = len(
        data["Provenance"]["SLSA"]["runDetails"]["metadata"]["buildkit_metadata"]["source"]["infos"]
    )
    times = []
    out = ""
    render = Figure("template render (parsed once)", GROUP, note="in process")
    for _ in range(ROUNDS):
        start, cpu = time.perf_counter(), time.process_time()
        out = tpl.execute(data)
        times.append(time.perf_counter() - start)
        render.cpu.append(time.process_time() - cpu)
    render.wall = times
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
    figures = [render, *compare_with_go(data)]
    write_results(json_arg(argv), "template", figures, meta={"rounds": ROUNDS, "bytes": size})
    return 0


def compare_with_go(data: dict[str, Any]) -> list[Figure]:
    """Decode + parse + render, ocitrace vs Go's text/template (the oracle), if it is built."""
    doc = json.dumps(data)
    py_times = []
    ours = Figure("template json.loads + parse + render", GROUP, note="in process")
    for _ in range(ROUNDS):
        start, cpu = time.perf_counter(), time.process_time()
        Template("").parse(DOCKERFILE_TEMPLATE).execute(json.loads(doc))
        py_times.append(time.perf_counter() - start)
        ours.cpu.append(time.process_time() - cpu)
    ours.wall = py_times
    py = statistics.median(py_times)
    print(f"ocitrace json.loads + parse + render: median {py * 1e3:.2f} ms")
    if not ORACLE.exists():
        print("go: tools/gotemplate-oracle not built (make gotemplate-fixtures); no comparison")
        return [ours]
    line = json.dumps({"name": "x", "template": DOCKERFILE_TEMPLATE, "data": data})
    go_times = []
    for n in (1, 1 + ROUNDS):  # the difference cancels process start-up
        start = time.perf_counter()
        names = "\n".join(line.replace('"name": "x"', f'"name": "x{i}"', 1) for i in range(n))
        subprocess.run([str(ORACLE)], input=names, capture_output=True, text=True, check=True)
        go_times.append(time.perf_counter() - start)
    go = (go_times[1] - go_times[0]) / ROUNDS
    print(f"go oracle per case (scan case line, decode data, parse, render): {go * 1e3:.2f} ms")
    print(f"ratio ocitrace/go: {py / go:.2f}x (the oracle scans each 1 MB case twice)")
    ours.peers = ["go text/template (oracle)"]
    peer = Figure(
        "go text/template (oracle)", GROUP, wall=[go], note="per case, start-up cancelled"
    )
    return [ours, peer]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
