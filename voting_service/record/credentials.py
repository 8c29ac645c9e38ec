"""The public credential list and reissues as the record carries them (protocol.md §11.2).

On the credential-authority path, the authority (a separate role, on its own machine) signs
the list it hands to the server, and every reissue, with its Ed25519 key; the verifier checks
those signatures against the authority key named in the list, so the server cannot add a
credential of its own. On the one-machine path (small cities, the demo) the list is unsigned
and the record says so.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ..crypto.transcript import Transcript
from .canonical import canonical_bytes

PATHS = ("server", "authority")


def list_message(fingerprint: bytes, credentials: list[dict[str, Any]]) -> bytes:
    """What the authority signs for the list: ``credentials`` sorted by credential."""
    return (Transcript("credentials/list").bytes("election", fingerprint)
            .bytes("list", canonical_bytes(credentials)).output("message"))


def reissue_message(fingerprint: bytes, revoked: str, credential: str,
                    questions: list[str]) -> bytes:
    t = Transcript("credentials/reissue").bytes("election", fingerprint)
    t.text("revoked", revoked).text("credential", credential)
    return t.bytes("questions", canonical_bytes(questions)).output("message")


def authority_signature_valid(key_hex: str, message: bytes, signature_hex: Any) -> bool:
    hex_digits = set("0123456789abcdef")
    if not (isinstance(key_hex, str) and len(key_hex) == 64 and set(key_hex) <= hex_digits
            and isinstance(signature_hex, str) and len(signature_hex) == 128
            and set(signature_hex) <= hex_digits):
        return False  # the protocol's hex is lowercase, of an exact length
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(key_hex)).verify(
            bytes.fromhex(signature_hex), message)
        return True
    except (InvalidSignature, ValueError):
        return False
