"""Schnorr proof of knowledge of a discrete log (protocol.md §6.1).

Statement: X = x·G. The caller supplies a transcript already holding its context
(domain, election fingerprint, whatever binds the proof to its use); the proof appends
point "public" = X and point "commitment" = R = k·G and draws challenge "c".
Proof (c, s) with s = k + c·x, the nonce k hedged (nonce.py). Verification recomputes
R' = s·G − c·X and the challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .codec import only_fields, read_scalar
from .errors import InvalidProofError
from .group import Point, Rng, Scalar
from .nonce import hedged
from .transcript import Transcript


@dataclass(frozen=True)
class SchnorrProof:
    challenge: Scalar
    response: Scalar

    def to_json(self) -> dict[str, str]:
        return {"c": self.challenge.hex(), "s": self.response.hex()}

    @classmethod
    def from_json(cls, obj: Any) -> SchnorrProof:
        only_fields(obj, "c", "s")
        return cls(read_scalar(obj, "c"), read_scalar(obj, "s"))


def _statement(context: Transcript, public: Point) -> Transcript:
    return context.copy().point("public", public)


def prove(context: Transcript, public: Point, secret: Scalar, rng: Rng | None = None) -> SchnorrProof:
    statement = _statement(context, public)
    nonce = Scalar.random_nonzero(hedged(rng, statement, [secret]))
    c = statement.point("commitment", Point.base_mul(nonce)).challenge("c")
    return SchnorrProof(c, nonce + c * secret)


def verify(context: Transcript, public: Point, proof: SchnorrProof) -> None:
    commitment = Point.base_mul(proof.response) + public * (-proof.challenge)
    statement = _statement(context, public)
    if statement.point("commitment", commitment).challenge("c") != proof.challenge:
        raise InvalidProofError("Schnorr proof of knowledge does not verify")
