"""Signed heads of the record (protocol.md §11.3).

A head names the record's height (the seq of its last event) and that event's hash. The
service signs every head it hands out on a receipt with its Ed25519 key (the public key is
in the manifest event); an auditor may co-sign ("witness") a head with their own Ed25519
key. Both sign the 64-byte message: output "message" of the transcript [domain
"record/head", bytes "election" = the manifest fingerprint, integer "height", bytes
"hash"]. A receipt's head that the record no longer contains proves the record was cut or
rewritten after the receipt was given.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (Ed25519PrivateKey,
                                                               Ed25519PublicKey)

from ..crypto.transcript import Transcript

SIGNATURE_BYTES = 64
KEY_BYTES = 32


@dataclass(frozen=True)
class SignedHead:
    height: int
    hash: bytes
    signature: bytes
    key: bytes  # the signer's raw Ed25519 public key
    signed_at: str = ""
    signer: str = "service"  # "service", or the witness's name

    def to_json(self) -> dict[str, Any]:
        return {"height": self.height, "hash": self.hash.hex(), "key": self.key.hex(),
                "signature": self.signature.hex(), "signed_at": self.signed_at,
                "signer": self.signer}

    @classmethod
    def from_json(cls, obj: Any) -> SignedHead:
        fields = {"height", "hash", "key", "signature", "signed_at", "signer"}
        if not isinstance(obj, dict) or set(obj) != fields:
            raise ValueError(f"a signed head has exactly the fields {sorted(fields)}")
        height, signer, signed_at = obj["height"], obj["signer"], obj["signed_at"]
        if not isinstance(height, int) or isinstance(height, bool) or height < 1:
            raise ValueError("height: a positive integer")
        if not isinstance(signer, str) or not signer or not isinstance(signed_at, str):
            raise ValueError("signer and signed_at are strings")
        return cls(height, _hex(obj["hash"], 32), _hex(obj["signature"], SIGNATURE_BYTES),
                   _hex(obj["key"], KEY_BYTES), signed_at, signer)


def _hex(value: Any, size: int) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size or \
            not set(value) <= set("0123456789abcdef"):
        raise ValueError(f"expected {size} bytes as lowercase hexadecimal")
    return bytes.fromhex(value)


def head_message(fingerprint: bytes, height: int, head_hash: bytes) -> bytes:
    t = Transcript("record/head").bytes("election", fingerprint).integer("height", height)
    return t.bytes("hash", head_hash).output("message")


def sign_head(key: Ed25519PrivateKey, fingerprint: bytes, height: int, head_hash: bytes,
              signed_at: str = "", signer: str = "service") -> SignedHead:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return SignedHead(height, head_hash, key.sign(head_message(fingerprint, height, head_hash)),
                      public, signed_at, signer)


def head_signature_valid(fingerprint: bytes, head: SignedHead) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(head.key).verify(
            head.signature, head_message(fingerprint, head.height, head.hash))
        return True
    except (InvalidSignature, ValueError):
        return False
