"""Test support: real-registry harness, push helpers, scripted fake servers."""
