"""Schnorr proof of knowledge of a discrete log (protocol.md §6.1).

Statement: X = x·G. The caller supplies a transcript already holding its context
(domain, election fingerprint, whatever binds the proof to its use); the proof appends
point "public" = X and point "commitment" = R = k·G and draws challenge "c".
Proof (c, s) with s = k + c·x. Verification recomputes R' = s·G − c·X and the challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .codec import read_scalar
from .errors import InvalidProofError
from .group import Point, Rng, Scalar
from .transcript import Transcript


@dataclass(frozen=True)
class SchnorrProof:
    challenge: Scalar
    response: Scalar

    def to_json(self) -> dict[str, str]:
        return {"c": self.challenge.hex(), "s": self.response.hex()}

    @classmethod
    def from_json(cls, obj: Any) -> SchnorrProof:
        return cls(read_scalar(obj, "c"), read_scalar(obj, "s"))


def _challenge(context: Transcript, public: Point, commitment: Point) -> Scalar:
    return context.copy().point("public", public).point("commitment", commitment).challenge("c")


def prove(context: Transcript, public: Point, secret: Scalar, rng: Rng | None = None) -> SchnorrProof:
    nonce = Scalar.random_nonzero(rng)
    c = _challenge(context, public, Point.base_mul(nonce))
    return SchnorrProof(c, nonce + c * secret)


def verify(context: Transcript, public: Point, proof: SchnorrProof) -> None:
    commitment = Point.base_mul(proof.response) + public * (-proof.challenge)
    if _challenge(context, public, commitment) != proof.challenge:
        raise InvalidProofError("Schnorr proof of knowledge does not verify")
