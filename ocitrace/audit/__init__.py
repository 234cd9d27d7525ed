"""``ocitrace audit``: walk a registry namespace and report each image's provenance and SBOM.

Modules: :mod:`.targets` (what the user asked for), :mod:`.walk` (targets → repositories →
tags → images), :mod:`.image` (one image → per-platform findings), :mod:`.cache`
(digest-keyed disk cache), :mod:`.policy` (checks that set the exit code), :mod:`.rows`
(row model and folding), :mod:`.output` (table/json/jsonl/csv/template) and
:mod:`.runner` (worker pool, interruption, summary).
"""
