"""Drawing letter codes, for the server (one machine) and for the credential authority.

The authority is a role separate from the server (as in Belenios): on its own machine, with
no database, it draws every letter code and check-in secret, prints the letters, and hands
the server only public credentials, login hashes and check-in hashes, signed with its
Ed25519 key (docs/decisions.md, "Credential authority and check-in QR v2"). Nothing here
imports the storage or web layers (tests/test_layering.py, tests/authority/).
"""
