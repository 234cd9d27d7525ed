"""ocitrace: inspect container images and their supply-chain attestations in OCI registries."""

__version__ = "0.1.0"

__all__ = ["__version__"]
