"""Disjunctive proofs that an exponential ciphertext encrypts 0 … M (protocol.md §6.4).

Statement: (α, β) = (r·G, m·G + r·Y) with m ∈ {0, …, M} (M = 1 is the 0/1 proof), bound
to the election, the public key Y and the voter's credential P. For every j, branch j
claims (α, β − j·G) = (r·G, r·Y). The prover simulates every branch j ≠ m with random
c_j, s_j: A_j = s_j·G − c_j·α, B_j = s_j·Y − c_j·(β − j·G); for the true branch it
commits A_m = u·G, B_m = u·Y. Transcript: domain "ballot/range-proof", bytes "election",
point "public_key", point "credential", integer "maximum" M, point "alpha", point "beta",
points "commitments" (A_0, B_0, …, A_M, B_M), challenge "c". Then
c_m = c − Σ_{j≠m} c_j and s_m = u + c_m·r; u and the simulated c_j, s_j come from the
hedged stream of nonce.py (witnesses r and m). Proof: (c_0 … c_M), (s_0 … s_M).
Verification recomputes every A_j, B_j from the proof and checks Σ c_j = challenge.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .codec import field, only_fields, scalars_from_hex
from .elgamal import Ciphertext
from .errors import DecodingError, InvalidProofError, ParameterError
from .group import GENERATOR, Point, Rng, Scalar
from .nonce import hedged
from .transcript import Transcript


@dataclass(frozen=True)
class RangeProof:
    challenges: tuple[Scalar, ...]
    responses: tuple[Scalar, ...]

    def to_json(self) -> dict[str, Any]:
        return {"c": [c.hex() for c in self.challenges], "s": [s.hex() for s in self.responses]}

    @classmethod
    def from_json(cls, obj: Any) -> RangeProof:
        only_fields(obj, "c", "s")
        proof = cls(scalars_from_hex(field(obj, "c", list)), scalars_from_hex(field(obj, "s", list)))
        if len(proof.challenges) < 2 or len(proof.challenges) != len(proof.responses):
            raise DecodingError("a range proof has M+1 >= 2 challenges and as many responses")
        return proof


def _statement(election: bytes, public_key: Point, credential: Point, maximum: int,
               ct: Ciphertext) -> Transcript:
    t = Transcript("ballot/range-proof").bytes("election", election)
    t.point("public_key", public_key).point("credential", credential).integer("maximum", maximum)
    return t.point("alpha", ct.alpha).point("beta", ct.beta)


def _challenge(election: bytes, public_key: Point, credential: Point, maximum: int,
               ct: Ciphertext, commitments: list[Point]) -> Scalar:
    statement = _statement(election, public_key, credential, maximum, ct)
    return statement.points("commitments", commitments).challenge("c")


def _shifted_beta(ct: Ciphertext, j: int) -> Point:
    return ct.beta - GENERATOR * Scalar(j) if j else ct.beta


def prove(election: bytes, public_key: Point, credential: Point, ct: Ciphertext,
          value: int, randomness: Scalar, maximum: int = 1,
          rng: Rng | None = None) -> RangeProof:
    if maximum < 1 or not 0 <= value <= maximum:
        raise ParameterError("need 0 <= value <= maximum and maximum >= 1")
    challenges: list[Scalar] = []
    responses: list[Scalar] = []
    commitments: list[Point] = []
    # The simulated branches come from the hedged stream too: with a repeated RNG, equal
    # simulated values across two proofs would tell which branches are simulated.
    stream = hedged(rng, _statement(election, public_key, credential, maximum, ct),
                    [randomness, Scalar(value)])
    nonce = Scalar.random_nonzero(stream)
    for j in range(maximum + 1):
        if j == value:
            challenges.append(Scalar(0))
            responses.append(Scalar(0))
            commitments += [Point.base_mul(nonce), public_key * nonce]
        else:
            c_j, s_j = Scalar.random(stream), Scalar.random(stream)
            challenges.append(c_j)
            responses.append(s_j)
            commitments += [Point.base_mul(s_j) + ct.alpha * (-c_j),
                            public_key * s_j + _shifted_beta(ct, j) * (-c_j)]
    c = _challenge(election, public_key, credential, maximum, ct, commitments)
    c_value = c - _sum(challenges)
    challenges[value] = c_value
    responses[value] = nonce + c_value * randomness
    return RangeProof(tuple(challenges), tuple(responses))


def verify(election: bytes, public_key: Point, credential: Point, ct: Ciphertext,
           proof: RangeProof, maximum: int = 1) -> None:
    if len(proof.challenges) != maximum + 1 or len(proof.responses) != maximum + 1:
        raise InvalidProofError("range proof has the wrong number of branches")
    commitments: list[Point] = []
    for j, (c_j, s_j) in enumerate(zip(proof.challenges, proof.responses)):
        commitments += [Point.base_mul(s_j) + ct.alpha * (-c_j),
                        public_key * s_j + _shifted_beta(ct, j) * (-c_j)]
    c = _challenge(election, public_key, credential, maximum, ct, commitments)
    if _sum(proof.challenges) != c:
        raise InvalidProofError("range proof does not verify")


def _sum(scalars) -> Scalar:
    total = Scalar(0)
    for s in scalars:
        total = total + s
    return total
