"""Registry client tests (real docker-registry and fake servers)."""
