"""Platform parsing, normalisation, formatting and matching with containerd's rules.

(Owned by the reference/oci helper: implement parse/normalize/format_platform/matches.)
"""
