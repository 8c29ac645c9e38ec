"""Verifiable re-encryption shuffle of fixed-width ciphertext vectors (protocol.md §8).

The proof is the Terelius–Wikström proof of shuffle as laid out by Haenni, Locher,
Koenig and Dubuis, "Pseudo-code algorithms for verifiable re-encryption mix-nets"
(FC 2017, algorithms GenShuffle, GenPermutationCommitment, GenCommitmentChain, GenProof,
CheckProof), adapted in two ways that the protocol specifies precisely:

* ciphertexts are vectors of width w: every component gets its own re-encryption
  randomness, so the last commitment t4 and response s4 exist once per component;
* ElGamal is written (α, β) = (r·G, M + r·Y), and the group additively.

Symbols follow the paper: h and h_1 … h_N are independent generators derived by
hash-to-group from public labels; c is the permutation commitment, ĉ the commitment
chain, u the challenges derived from (inputs, outputs, c).

Both proving and verifying split the N items into contiguous chunks run by
``parallel.run``; all randomness is drawn up front from one hedged stream (nonce.py)
seeded by the caller's rng and the inputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

from . import parallel
from .codec import field, only_fields, points_from_hex, read_scalar, scalars_from_hex
from .elgamal import Ciphertext, CiphertextVector
from .errors import InvalidShuffleError, ParameterError
from .group import (IDENTITY_BYTES, ORDER, Point, Rng, Scalar, add_bytes, base_mul_int,
                    mul_int, sub_bytes)
from .nonce import hedged
from .transcript import Transcript, hash_to_point

_GENERATOR_LABEL = "shuffle/generator"
_H_LABEL = "shuffle/h"


def commitment_generator() -> Point:
    """h: the base of the commitment chain."""
    return hash_to_point(_H_LABEL, 0)


def generator(index: int) -> Point:
    """h_i (0-based): the i-th independent commitment generator."""
    return hash_to_point(_GENERATOR_LABEL, index)


@dataclass(frozen=True)
class ShuffleProof:
    """(c, ĉ, challenge, s1, s2, s3, s4[w], ŝ[N], s'[N]) — see protocol.md §8."""

    commitments: tuple[Point, ...]
    chain: tuple[Point, ...]
    challenge: Scalar
    s1: Scalar
    s2: Scalar
    s3: Scalar
    s4: tuple[Scalar, ...]
    s_hat: tuple[Scalar, ...]
    s_prime: tuple[Scalar, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "commitments": [p.hex() for p in self.commitments],
            "chain": [p.hex() for p in self.chain],
            "c": self.challenge.hex(),
            "s1": self.s1.hex(), "s2": self.s2.hex(), "s3": self.s3.hex(),
            "s4": [s.hex() for s in self.s4],
            "s_hat": [s.hex() for s in self.s_hat],
            "s_prime": [s.hex() for s in self.s_prime],
        }

    @classmethod
    def from_json(cls, obj: Any) -> ShuffleProof:
        only_fields(obj, "commitments", "chain", "c", "s1", "s2", "s3", "s4", "s_hat", "s_prime")
        return cls(
            points_from_hex(field(obj, "commitments", list)),
            points_from_hex(field(obj, "chain", list)),
            read_scalar(obj, "c"), read_scalar(obj, "s1"), read_scalar(obj, "s2"),
            read_scalar(obj, "s3"),
            scalars_from_hex(field(obj, "s4", list)),
            scalars_from_hex(field(obj, "s_hat", list)),
            scalars_from_hex(field(obj, "s_prime", list)),
        )


# --- helpers on encodings (hot loops) -------------------------------------------------

def _rand(rng: Rng) -> int:
    """A scalar in [1, ℓ): 64 bytes wide-reduced, redrawn on zero (protocol.md appendix A)."""
    while True:
        value = int.from_bytes(rng(64), "little") % ORDER
        if value:
            return value


def random_permutation(count: int, rng: Rng) -> list[int]:
    """Fisher–Yates: for i = N−1 … 1 swap i with j = random_below(i + 1)."""
    perm = list(range(count))
    for i in range(count - 1, 0, -1):
        j = random_below(i + 1, rng)
        perm[i], perm[j] = perm[j], perm[i]
    return perm


def random_below(bound: int, rng: Rng) -> int:
    """Uniform in [0, bound): 8 bytes big-endian, rejected above the largest multiple."""
    limit = (1 << 64) - (1 << 64) % bound
    while True:
        value = int.from_bytes(rng(8), "big")
        if value < limit:
            return value % bound


def _vector_encodings(vector: Sequence[Ciphertext]) -> list[tuple[bytes, bytes]]:
    return [(c.alpha.to_bytes(), c.beta.to_bytes()) for c in vector]


def _flatten(vectors: Sequence[Sequence[tuple[bytes, bytes]]]) -> list[bytes]:
    return [enc for vector in vectors for pair in vector for enc in pair]


def _input_statement(election: bytes, public_key: Point, width: int,
                     inputs: list[list[tuple[bytes, bytes]]]) -> Transcript:
    """The statement transcript up to the inputs: what the prover's randomness is hedged
    with (the outputs and commitments are computed from that randomness)."""
    t = Transcript("shuffle").bytes("election", election).point("public_key", public_key)
    return t.integer("count", len(inputs)).integer("width", width).point_encodings(
        "inputs", _flatten(inputs))


def _statement(prefix: Transcript, outputs: list[list[tuple[bytes, bytes]]],
               commitments: Sequence[bytes]) -> Transcript:
    """The whole statement: ``prefix`` (extended in place) with outputs and commitments."""
    t = prefix.point_encodings("outputs", _flatten(outputs))
    return t.point_encodings("commitments", commitments)


def _final_challenge(statement: Transcript, chain: Sequence[bytes], t1: bytes, t2: bytes,
                     t3: bytes, t4: Sequence[bytes], t_hat: Sequence[bytes]) -> int:
    t = statement.point_encodings("chain", chain).point_encoding("t1", t1)
    t.point_encoding("t2", t2).point_encoding("t3", t3).point_encodings("t4", t4)
    return t.point_encodings("t_hat", t_hat).challenge("c").value


def _check_shape(inputs: Sequence[CiphertextVector], outputs: Sequence[CiphertextVector] | None
                 ) -> int:
    if not inputs:
        raise ParameterError("nothing to shuffle")
    width = len(inputs[0])
    if width < 1 or any(len(v) != width for v in inputs):
        raise ParameterError("all ciphertext vectors must have the same width >= 1")
    if outputs is not None and (len(outputs) != len(inputs)
                                or any(len(v) != width for v in outputs)):
        raise InvalidShuffleError("outputs do not have the shape of the inputs")
    return width


# --- worker functions (top level, so that process pools can pickle them) --------------

def _sum(encodings) -> bytes:
    total = IDENTITY_BYTES
    for enc in encodings:
        total = add_bytes(total, enc)
    return total


def _work_reencrypt(y: bytes, start: int, sources, randomness, perm_randomness):
    """Outputs e'_i = ReEnc(e_ψ(i), r'_i), and c_ψ(i) = r_ψ(i)·G + h_i, for a chunk of i."""
    outputs, commitments, generators = [], [], []
    for offset, (vector, rs, r_perm) in enumerate(zip(sources, randomness, perm_randomness)):
        outputs.append([(add_bytes(a, base_mul_int(r)), add_bytes(b, mul_int(y, r)))
                        for (a, b), r in zip(vector, rs)])
        h_i = generator(start + offset).to_bytes()
        generators.append(h_i)
        commitments.append(add_bytes(base_mul_int(r_perm), h_i))
    return outputs, commitments, generators


def _work_prove(h: bytes, generators, outputs, chain_r, chain_u, omega_hat, omega_prime):
    """Chain ĉ, commitments t̂ and the chunk's share of t3 and t4 (chain_* has one extra
    leading entry: the link before the chunk)."""
    width = len(outputs[0])
    chain = [add_bytes(base_mul_int(r), mul_int(h, u)) for r, u in zip(chain_r, chain_u)]
    t_hat = [add_bytes(base_mul_int(w_hat), mul_int(prev, w_prime))
             for w_hat, w_prime, prev in zip(omega_hat, omega_prime, chain)]
    t3_part = _sum(mul_int(g, w) for g, w in zip(generators, omega_prime))
    t4_parts = []
    for k in range(width):
        t4_parts.append(_sum(mul_int(v[k][0], w) for v, w in zip(outputs, omega_prime)))
        t4_parts.append(_sum(mul_int(v[k][1], w) for v, w in zip(outputs, omega_prime)))
    return chain[1:], t_hat, t3_part, t4_parts


def _work_verify(start: int, challenge: int, u, commitments, inputs, outputs, chain,
                 s_hat, s_prime):
    """The chunk's shares of every product in CheckProof, and its t̂' values
    (``chain`` has one extra leading entry: the link before the chunk)."""
    width = len(inputs[0])
    minus_c = (-challenge) % ORDER
    generators = [generator(start + i).to_bytes() for i in range(len(u))]
    sum_h = _sum(generators)
    sum_c = _sum(commitments)
    sum_uc = _sum(mul_int(c, ui) for c, ui in zip(commitments, u))
    sum_sh = _sum(mul_int(g, s) for g, s in zip(generators, s_prime))
    tilde, primed = [], []
    for k in range(width):
        tilde.append(_sum(mul_int(v[k][0], ui) for v, ui in zip(inputs, u)))
        tilde.append(_sum(mul_int(v[k][1], ui) for v, ui in zip(inputs, u)))
        primed.append(_sum(mul_int(v[k][0], s) for v, s in zip(outputs, s_prime)))
        primed.append(_sum(mul_int(v[k][1], s) for v, s in zip(outputs, s_prime)))
    t_hat = [add_bytes(add_bytes(base_mul_int(sh), mul_int(chain[i], sp)),
                       mul_int(chain[i + 1], minus_c))
             for i, (sh, sp) in enumerate(zip(s_hat, s_prime))]
    return sum_h, sum_c, sum_uc, sum_sh, tilde, primed, t_hat


# --- prover -------------------------------------------------------------------------------

def shuffle_and_prove(election: bytes, public_key: Point, inputs: Sequence[CiphertextVector],
                      rng: Rng | None = None, workers: int | None = None
                      ) -> tuple[list[CiphertextVector], ShuffleProof]:
    """Permute and re-encrypt ``inputs``; return the outputs and the proof of shuffle."""
    width = _check_shape(inputs, None)
    n = len(inputs)
    y = public_key.to_bytes()
    h = commitment_generator().to_bytes()
    workers, chunks = parallel.plan(n, workers)
    encoded_inputs = [_vector_encodings(v) for v in inputs]
    prefix = _input_statement(election, public_key, width, encoded_inputs)
    # Every secret value below (permutation, randomness, nonces) comes from one hedged
    # stream: a repeated RNG output on other inputs still gives unrelated values, where a
    # replayed permutation and nonces would link the two shuffles and expose ψ.
    stream = hedged(rng, prefix, [])

    # GenShuffle and GenPermutationCommitment; ψ maps output position -> input position.
    psi = random_permutation(n, stream)
    reenc = [[_rand(stream) for _ in range(width)] for _ in range(n)]
    perm_r = [_rand(stream) for _ in range(n)]        # r_j, indexed by input position j
    results = parallel.run(_work_reencrypt, [
        (y, ch.start, [encoded_inputs[psi[i]] for i in ch], [reenc[i] for i in ch],
         [perm_r[psi[i]] for i in ch]) for ch in chunks], workers)
    outputs: list = []
    generators: list[bytes] = []
    commitments: list[bytes] = [b""] * n
    for ch, (outs, comms, gens) in zip(chunks, results):
        outputs += outs
        generators += gens
        for i, c in zip(ch, comms):
            commitments[psi[i]] = c

    statement = _statement(prefix, outputs, commitments)
    u = statement.challenge_ints("u", n)
    u_prime = [u[psi[i]] for i in range(n)]

    # GenCommitmentChain, in closed form so that chunks are independent:
    # ĉ_i = R_i·G + U_i·h with R_i = r̂_i + u'_i·R_{i−1}, U_i = u'_1 ⋯ u'_i (ĉ_0 = h).
    r_hat = [_rand(stream) for _ in range(n)]
    chain_r, chain_u = [0], [1]
    for i in range(n):
        chain_r.append((r_hat[i] + u_prime[i] * chain_r[-1]) % ORDER)
        chain_u.append(u_prime[i] * chain_u[-1] % ORDER)

    omega = [_rand(stream) for _ in range(3)]
    omega4 = [_rand(stream) for _ in range(width)]
    omega_hat = [_rand(stream) for _ in range(n)]
    omega_prime = [_rand(stream) for _ in range(n)]
    results = parallel.run(_work_prove, [
        (h, generators[ch.start:ch.stop], outputs[ch.start:ch.stop],
         chain_r[ch.start:ch.stop + 1], chain_u[ch.start:ch.stop + 1],
         omega_hat[ch.start:ch.stop], omega_prime[ch.start:ch.stop]) for ch in chunks], workers)
    chain: list[bytes] = []
    t_hat: list[bytes] = []
    t3 = base_mul_int(omega[2])
    t4 = []
    for k in range(width):
        t4 += [base_mul_int((-omega4[k]) % ORDER), mul_int(y, (-omega4[k]) % ORDER)]
    for links, hats, t3_part, t4_parts in results:
        chain += links
        t_hat += hats
        t3 = add_bytes(t3, t3_part)
        t4 = [add_bytes(a, b) for a, b in zip(t4, t4_parts)]
    t1, t2 = base_mul_int(omega[0]), base_mul_int(omega[1])
    c = _final_challenge(statement, chain, t1, t2, t3, t4, t_hat)

    r_bar = sum(perm_r) % ORDER
    r_tilde = sum(r * ui for r, ui in zip(perm_r, u)) % ORDER
    r_prime = [sum(reenc[i][k] * u_prime[i] for i in range(n)) % ORDER for k in range(width)]
    proof = ShuffleProof(
        commitments=tuple(Point._trusted(x) for x in commitments),
        chain=tuple(Point._trusted(x) for x in chain),
        challenge=Scalar(c),
        s1=Scalar((omega[0] + c * r_bar) % ORDER),
        s2=Scalar((omega[1] + c * chain_r[n]) % ORDER),
        s3=Scalar((omega[2] + c * r_tilde) % ORDER),
        s4=tuple(Scalar((omega4[k] + c * r_prime[k]) % ORDER) for k in range(width)),
        s_hat=tuple(Scalar((omega_hat[i] + c * r_hat[i]) % ORDER) for i in range(n)),
        s_prime=tuple(Scalar((omega_prime[i] + c * u_prime[i]) % ORDER) for i in range(n)),
    )
    shuffled = [tuple(Ciphertext(Point._trusted(a), Point._trusted(b)) for a, b in v)
                for v in outputs]
    return shuffled, proof


# --- verifier -----------------------------------------------------------------------------

def verify(election: bytes, public_key: Point, inputs: Sequence[CiphertextVector],
           outputs: Sequence[CiphertextVector], proof: ShuffleProof,
           workers: int | None = None) -> None:
    """CheckProof; raises InvalidShuffleError unless ``outputs`` is a shuffle of ``inputs``."""
    width = _check_shape(inputs, outputs)
    n = len(inputs)
    if (len(proof.commitments) != n or len(proof.chain) != n or len(proof.s_hat) != n
            or len(proof.s_prime) != n or len(proof.s4) != width):
        raise InvalidShuffleError("proof does not have the shape of the shuffle")
    y = public_key.to_bytes()
    h = commitment_generator().to_bytes()
    encoded_inputs = [_vector_encodings(v) for v in inputs]
    encoded_outputs = [_vector_encodings(v) for v in outputs]
    commitments = [p.to_bytes() for p in proof.commitments]
    chain = [h] + [p.to_bytes() for p in proof.chain]
    statement = _statement(_input_statement(election, public_key, width, encoded_inputs),
                           encoded_outputs, commitments)
    u = statement.challenge_ints("u", n)
    c = proof.challenge.value
    s_hat = [s.value for s in proof.s_hat]
    s_prime = [s.value for s in proof.s_prime]

    workers, chunks = parallel.plan(n, workers)
    results = parallel.run(_work_verify, [
        (ch.start, c, u[ch.start:ch.stop], commitments[ch.start:ch.stop],
         encoded_inputs[ch.start:ch.stop], encoded_outputs[ch.start:ch.stop],
         chain[ch.start:ch.stop + 1], s_hat[ch.start:ch.stop], s_prime[ch.start:ch.stop])
        for ch in chunks], workers)
    sum_h = sum_c = sum_uc = sum_sh = IDENTITY_BYTES
    tilde = [IDENTITY_BYTES] * (2 * width)
    primed = [IDENTITY_BYTES] * (2 * width)
    t_hat: list[bytes] = []
    for part_h, part_c, part_uc, part_sh, part_tilde, part_primed, part_t_hat in results:
        sum_h, sum_c = add_bytes(sum_h, part_h), add_bytes(sum_c, part_c)
        sum_uc, sum_sh = add_bytes(sum_uc, part_uc), add_bytes(sum_sh, part_sh)
        tilde = [add_bytes(a, b) for a, b in zip(tilde, part_tilde)]
        primed = [add_bytes(a, b) for a, b in zip(primed, part_primed)]
        t_hat += part_t_hat

    minus_c = (-c) % ORDER
    u_product = 1
    for ui in u:
        u_product = u_product * ui % ORDER
    c_bar = sub_bytes(sum_c, sum_h)                                # Σc_j − Σh_i
    c_hat = add_bytes(chain[n], mul_int(h, (-u_product) % ORDER))  # ĉ_N − u·h
    t1 = add_bytes(base_mul_int(proof.s1.value), mul_int(c_bar, minus_c))
    t2 = add_bytes(base_mul_int(proof.s2.value), mul_int(c_hat, minus_c))
    t3 = add_bytes(add_bytes(base_mul_int(proof.s3.value), sum_sh), mul_int(sum_uc, minus_c))
    t4 = []
    for k in range(width):
        minus_s4 = (-proof.s4[k].value) % ORDER
        t4.append(add_bytes(add_bytes(base_mul_int(minus_s4), primed[2 * k]),
                            mul_int(tilde[2 * k], minus_c)))
        t4.append(add_bytes(add_bytes(mul_int(y, minus_s4), primed[2 * k + 1]),
                            mul_int(tilde[2 * k + 1], minus_c)))
    if _final_challenge(statement, chain[1:], t1, t2, t3, t4, t_hat) != c:
        raise InvalidShuffleError("proof of shuffle does not verify")
