"""Invitation letters and their check-in QR payload.

Pure functions on plain data: no web or storage imports (tests/letters/test_purity.py). The
letter code printed here is a secret: it goes into the PDF and nowhere else, never into logs.
"""
