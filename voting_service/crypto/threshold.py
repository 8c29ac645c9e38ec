"""Threshold decryption: partial decryptions with Chaum–Pedersen proofs, Lagrange
combination over the actual set of trustees (protocol.md §7.4–7.5).

Trustee j, holding x_j with verification key X_j = x_j·G, answers each ciphertext
component (α, β) with D = x_j·α and a Chaum–Pedersen proof that log_G X_j = log_α D.
The proof's context is the transcript: domain "threshold/partial-decryption", bytes
"election", integer "trustee" j; then §6.2 with G1 = G, H1 = X_j, G2 = α, H2 = D.

Any set S of at least t distinct trustees recovers x·α = Σ_{j∈S} λ_j·D_j with
λ_j = Π_{k∈S, k≠j} k / (k − j) mod ℓ, and the message M = β − x·α. Combination is only
reachable through ``verify_and_combine``, which verifies every partial decryption first
and drops (and reports) the trustees whose proofs fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple, Sequence

from . import parallel
from .codec import field, only_fields, read_int, read_point, read_scalar
from .dkg import ElectionKey, TrusteeKey
from .elgamal import CiphertextVector
from .errors import DecodingError, NotEnoughSharesError, ParameterError, PartialDecryptionError
from .group import (GENERATOR, IDENTITY_BYTES, ORDER, Point, Rng, Scalar, add_bytes,
                    base_mul_int, mul_int, sub_bytes)
from .nonce import hedged
from .schnorr import SchnorrProof
from .transcript import Transcript

_G = GENERATOR.to_bytes()


@dataclass(frozen=True)
class DecryptionShare:
    """D = x_j·α for one ciphertext component, with its proof (c, s)."""

    share: Point
    proof: SchnorrProof

    def to_json(self) -> dict[str, str]:
        return {"d": self.share.hex(), "c": self.proof.challenge.hex(),
                "s": self.proof.response.hex()}

    @classmethod
    def from_json(cls, obj: Any) -> DecryptionShare:
        only_fields(obj, "d", "c", "s")
        return cls(read_point(obj, "d"), SchnorrProof(read_scalar(obj, "c"), read_scalar(obj, "s")))


@dataclass(frozen=True)
class PartialDecryption:
    """Trustee j's shares for a list of ciphertext vectors: shares[i][k] for vector i,
    component k."""

    trustee: int
    shares: tuple[tuple[DecryptionShare, ...], ...]

    def to_json(self) -> dict[str, Any]:
        return {"trustee": self.trustee,
                "shares": [[s.to_json() for s in vector] for vector in self.shares]}

    @classmethod
    def from_json(cls, obj: Any) -> PartialDecryption:
        only_fields(obj, "trustee", "shares")
        vectors = field(obj, "shares", list)
        if not all(isinstance(v, list) for v in vectors):
            raise DecodingError("shares is a list of lists")
        return cls(read_int(obj, "trustee", minimum=1),
                   tuple(tuple(DecryptionShare.from_json(s) for s in v) for v in vectors))


def _nonce(stream: Rng) -> int:
    """A proof nonce in [1, ℓ): 64 bytes of the hedged stream wide-reduced, redrawn on zero
    (appendix A)."""
    while True:
        value = int.from_bytes(stream(64), "little") % ORDER
        if value:
            return value


def _context(election: bytes, trustee: int) -> Transcript:
    return Transcript("threshold/partial-decryption").bytes("election", election).integer(
        "trustee", trustee)


def _challenge(context: Transcript, vk: bytes, alpha: bytes, d: bytes, a: bytes, b: bytes) -> int:
    t = context.copy().point_encoding("g1", _G).point_encoding("h1", vk)
    t.point_encoding("g2", alpha).point_encoding("h2", d)
    return t.point_encoding("a", a).point_encoding("b", b).challenge("c").value


def _work_prove(election: bytes, trustee: int, secret: int, vk: bytes, alphas, nonces):
    context = _context(election, trustee)
    out = []
    for alpha, k in zip(alphas, nonces):
        d = mul_int(alpha, secret)
        c = _challenge(context, vk, alpha, d, base_mul_int(k), mul_int(alpha, k))
        out.append((d, c, (k + c * secret) % ORDER))
    return out


def _work_verify(election: bytes, trustee: int, vk: bytes, alphas, ds, cs, ss) -> int:
    """Offset of the first share whose proof fails, or −1."""
    context = _context(election, trustee)
    for offset, (alpha, d, c, s) in enumerate(zip(alphas, ds, cs, ss)):
        minus_c = (-c) % ORDER
        a = add_bytes(base_mul_int(s), mul_int(vk, minus_c))
        b = add_bytes(mul_int(alpha, s), mul_int(d, minus_c))
        if _challenge(context, vk, alpha, d, a, b) != c:
            return offset
    return -1


def _work_combine(weights, betas, shares_by_trustee):
    """M = β − Σ_j λ_j·D_j for a chunk of components."""
    out = []
    for position, beta in enumerate(betas):
        total = IDENTITY_BYTES
        for weight, shares in zip(weights, shares_by_trustee):
            total = add_bytes(total, mul_int(shares[position], weight))
        out.append(sub_bytes(beta, total))
    return out


def _shape(ciphertexts: Sequence[CiphertextVector]) -> list[int]:
    return [len(v) for v in ciphertexts]


def partially_decrypt(key: TrusteeKey, election: bytes, ciphertexts: Sequence[CiphertextVector],
                      rng: Rng | None = None, workers: int | None = None) -> PartialDecryption:
    alphas = [c.alpha.to_bytes() for v in ciphertexts for c in v]
    # One hedged stream for all the components: the statement is every α, the secret x_j.
    statement = _context(election, key.trustee).point_encodings("alphas", alphas)
    stream = hedged(rng, statement, [key.share])
    nonces = [_nonce(stream) for _ in alphas]
    vk = key.election_key.verification_key(key.trustee).to_bytes()
    workers, chunks = parallel.plan(len(alphas), workers)
    results = parallel.run(_work_prove, [
        (election, key.trustee, key.share.value, vk, alphas[ch.start:ch.stop],
         nonces[ch.start:ch.stop]) for ch in chunks], workers)
    flat = [DecryptionShare(Point._trusted(d), SchnorrProof(Scalar(c), Scalar(s)))
            for part in results for d, c, s in part]
    return PartialDecryption(key.trustee, _regroup(flat, _shape(ciphertexts)))


def verify_partial_decryption(key: ElectionKey, election: bytes,
                              ciphertexts: Sequence[CiphertextVector],
                              partial: PartialDecryption, workers: int | None = None) -> None:
    """Raises PartialDecryptionError naming the trustee and the first bad vector."""
    trustee = partial.trustee
    if not 1 <= trustee <= key.count:
        raise PartialDecryptionError("not a trustee of this election", trustee=trustee)
    shape = _shape(ciphertexts)
    if [len(v) for v in partial.shares] != shape:
        raise PartialDecryptionError("shares do not match the ciphertexts", trustee=trustee)
    positions = [i for i, width in enumerate(shape) for _ in range(width)]
    alphas = [c.alpha.to_bytes() for v in ciphertexts for c in v]
    flat = [s for v in partial.shares for s in v]
    ds = [s.share.to_bytes() for s in flat]
    cs = [s.proof.challenge.value for s in flat]
    ss = [s.proof.response.value for s in flat]
    vk = key.verification_key(trustee).to_bytes()
    workers, chunks = parallel.plan(len(alphas), workers)
    results = parallel.run(_work_verify, [
        (election, trustee, vk, alphas[ch.start:ch.stop], ds[ch.start:ch.stop],
         cs[ch.start:ch.stop], ss[ch.start:ch.stop]) for ch in chunks], workers)
    for ch, bad in zip(chunks, results):
        if bad >= 0:
            raise PartialDecryptionError("decryption proof does not verify", trustee=trustee,
                                         position=positions[ch.start + bad])


def lagrange_coefficients(trustees: Sequence[int]) -> dict[int, int]:
    """λ_j at 0 over the set ``trustees`` (distinct indices >= 1)."""
    if len(set(trustees)) != len(trustees) or min(trustees) < 1:
        raise ParameterError("trustee indices must be distinct and >= 1")
    coefficients = {}
    for j in trustees:
        numerator = denominator = 1
        for k in trustees:
            if k != j:
                numerator = numerator * k % ORDER
                denominator = denominator * (k - j) % ORDER
        coefficients[j] = numerator * pow(denominator, -1, ORDER) % ORDER
    return coefficients


class Combination(NamedTuple):
    """The result of ``verify_and_combine``: the plaintext points (one tuple per ciphertext
    vector, in order) and the partial decryptions that were dropped, each as the error
    that names its trustee and the first failing position."""

    plaintexts: list[tuple[Point, ...]]
    dropped: tuple[PartialDecryptionError, ...]


def verify_and_combine(key: ElectionKey, election: bytes, ciphertexts: Sequence[CiphertextVector],
                       partials: Sequence[PartialDecryption], workers: int | None = None
                       ) -> Combination:
    """Verify every partial decryption, drop the failing ones, combine the rest.

    The only way to combine: an unverified share would let one trustee (or whoever relays
    its message) swap any plaintext. A trustee whose proof fails, whose shares do not have
    the shape of ``ciphertexts`` or whose index is not in 1 … n is dropped and reported;
    combination goes on over the others. Raises ``NotEnoughSharesError`` (with
    ``.dropped``) when fewer than t verified trustees remain, and ``ParameterError`` when
    one trustee index appears twice (the caller must pick one message per trustee).
    """
    trustees = [p.trustee for p in partials]
    if len(set(trustees)) != len(trustees):
        raise ParameterError("each trustee may contribute once")
    verified, dropped = [], []
    for partial in partials:
        try:
            verify_partial_decryption(key, election, ciphertexts, partial, workers)
        except PartialDecryptionError as error:
            dropped.append(error)
        else:
            verified.append(partial)
    if len(verified) < key.threshold:
        faulty = ", ".join(str(e) for e in dropped) or "none"
        raise NotEnoughSharesError(
            f"{len(verified)} verified partial decryptions, {key.threshold} needed; "
            f"dropped: {faulty}", dropped=tuple(dropped))
    return Combination(_combine(key, ciphertexts, verified, workers), tuple(dropped))


def _combine(key: ElectionKey, ciphertexts: Sequence[CiphertextVector],
             partials: Sequence[PartialDecryption], workers: int | None = None
             ) -> list[tuple[Point, ...]]:
    """Plaintext points from the *verified* partial decryptions of at least t distinct
    trustees (``verify_and_combine`` is the caller; the benchmark times this step alone)."""
    trustees = [p.trustee for p in partials]
    if len(trustees) < key.threshold:
        raise NotEnoughSharesError(f"{len(trustees)} trustees, {key.threshold} needed")
    weights = lagrange_coefficients(trustees)
    betas = [c.beta.to_bytes() for v in ciphertexts for c in v]
    shares = [[s.share.to_bytes() for v in p.shares for s in v] for p in partials]
    workers, chunks = parallel.plan(len(betas), workers)
    results = parallel.run(_work_combine, [
        ([weights[t] for t in trustees], betas[ch.start:ch.stop],
         [s[ch.start:ch.stop] for s in shares]) for ch in chunks], workers)
    flat = [Point._trusted(m) for part in results for m in part]
    return list(_regroup(flat, _shape(ciphertexts)))


def _regroup(flat: list, shape: list[int]) -> tuple[tuple, ...]:
    out, at = [], 0
    for width in shape:
        out.append(tuple(flat[at:at + width]))
        at += width
    return tuple(out)
