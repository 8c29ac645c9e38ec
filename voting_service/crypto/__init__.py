"""Cryptography on ristretto255. Pure: no web, storage or I/O imports (tests/test_layering.py)."""
