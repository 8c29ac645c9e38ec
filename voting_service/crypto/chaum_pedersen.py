"""Chaum–Pedersen proof that two discrete logs are equal (protocol.md §6.2).

Statement: H1 = x·G1 and H2 = x·G2. The caller's context transcript gets point "g1",
"h1", "g2", "h2", then point "a" = k·G1 and point "b" = k·G2, and challenge "c".
Proof (c, s) with s = k + c·x, the nonce k hedged (nonce.py). Verification:
a' = s·G1 − c·H1, b' = s·G2 − c·H2 and c must equal the recomputed challenge.
"""

from __future__ import annotations

from .errors import InvalidProofError
from .group import GENERATOR, Point, Rng, Scalar
from .nonce import hedged
from .schnorr import SchnorrProof
from .transcript import Transcript

#: A Chaum–Pedersen proof has the same shape as a Schnorr proof: (c, s).
ChaumPedersenProof = SchnorrProof


def _mul(base: Point, scalar: Scalar) -> Point:
    return Point.base_mul(scalar) if base == GENERATOR else base * scalar


def _statement(context: Transcript, g1: Point, h1: Point, g2: Point, h2: Point) -> Transcript:
    return context.copy().point("g1", g1).point("h1", h1).point("g2", g2).point("h2", h2)


def _challenge(context: Transcript, g1: Point, h1: Point, g2: Point, h2: Point,
               a: Point, b: Point) -> Scalar:
    return _statement(context, g1, h1, g2, h2).point("a", a).point("b", b).challenge("c")


def prove(context: Transcript, g1: Point, h1: Point, g2: Point, h2: Point, secret: Scalar,
          rng: Rng | None = None) -> ChaumPedersenProof:
    nonce = Scalar.random_nonzero(hedged(rng, _statement(context, g1, h1, g2, h2), [secret]))
    c = _challenge(context, g1, h1, g2, h2, _mul(g1, nonce), g2 * nonce)
    return ChaumPedersenProof(c, nonce + c * secret)


def verify(context: Transcript, g1: Point, h1: Point, g2: Point, h2: Point,
           proof: ChaumPedersenProof) -> None:
    minus_c = -proof.challenge
    a = _mul(g1, proof.response) + h1 * minus_c
    b = g2 * proof.response + h2 * minus_c
    if _challenge(context, g1, h1, g2, h2, a, b) != proof.challenge:
        raise InvalidProofError("Chaum–Pedersen proof does not verify")
