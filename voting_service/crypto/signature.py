"""Schnorr signatures under a credential (or any key on the group) (protocol.md §6.5).

Transcript: domain <purpose> ("signature" for ballots, "dkg/identity-signature" for the
trustees' identity keys), bytes "election", point "public_key", bytes "message", point
"commitment" R = k·G, challenge "c". Signature (c, s) with s = k + c·x, the nonce k hedged
(nonce.py: a repeated RNG output never repeats k for another message).
Verification: R' = s·G − c·X and c must equal the recomputed challenge.
"""

from __future__ import annotations

from .errors import InvalidSignatureError
from .group import Point, Rng, Scalar
from .nonce import hedged
from .schnorr import SchnorrProof
from .transcript import Transcript

#: A signature has the shape (c, s), like a Schnorr proof.
Signature = SchnorrProof

#: The domain of ballot signatures (and the default).
BALLOT_PURPOSE = "signature"


def _statement(purpose: str, election: bytes, public_key: Point, message: bytes) -> Transcript:
    t = Transcript(purpose).bytes("election", election).point("public_key", public_key)
    return t.bytes("message", message)


def sign(election: bytes, secret_key: Scalar, message: bytes, rng: Rng | None = None, *,
         purpose: str = BALLOT_PURPOSE) -> Signature:
    statement = _statement(purpose, election, Point.base_mul(secret_key), message)
    nonce = Scalar.random_nonzero(hedged(rng, statement, [secret_key]))
    c = statement.point("commitment", Point.base_mul(nonce)).challenge("c")
    return Signature(c, nonce + c * secret_key)


def verify(election: bytes, public_key: Point, message: bytes, signature: Signature, *,
           purpose: str = BALLOT_PURPOSE) -> None:
    commitment = Point.base_mul(signature.response) + public_key * (-signature.challenge)
    statement = _statement(purpose, election, public_key, message)
    if statement.point("commitment", commitment).challenge("c") != signature.challenge:
        raise InvalidSignatureError("signature does not verify")
