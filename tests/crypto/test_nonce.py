"""Hedged nonces (protocol.md §6.6): a random source that repeats itself leaks nothing.

Each test runs a prover twice with an RNG that returns the same bytes on every call (a
restored VM snapshot, a broken browser source) on two different statements, and applies
the classic extraction x = (s_1 − s_2)/(c_1 − c_2), which recovers the secret whenever the
two nonces are equal. It must not give the secret back.
"""

from __future__ import annotations

from voting_service.crypto import ballot as ballots
from voting_service.crypto import (chaum_pedersen, disjunctive, recipes, schnorr, shuffle,
                                   signature, threshold)
from voting_service.crypto.credential import derive_credential, generate_letter_code
from voting_service.crypto.elgamal import KeyPair, encrypt, encrypt_vector, random_scalars
from voting_service.crypto.embedding import embed_bytes, encode_int
from voting_service.crypto.group import GENERATOR, Point, Scalar
from voting_service.crypto.nonce import hedged
from voting_service.crypto.rng import SeededRng
from voting_service.crypto.transcript import Transcript

E = b"nonce election"


def stuck_rng(n: int) -> bytes:
    """The same bytes on every call."""
    return bytes([0x5A]) * n


def extracted(s1: Scalar, c1: Scalar, s2: Scalar, c2: Scalar) -> Scalar:
    """The secret, if the two responses s = k + c·x share their nonce k."""
    return (s1 - s2) * (c1 - c2).inverse()


def test_extraction_formula_recovers_the_key_when_a_nonce_repeats():
    """The control: with one nonce reused over two messages the formula does find x."""
    key = KeyPair.generate(SeededRng(b"control"))
    k = Scalar.random_nonzero(stuck_rng)
    sigs = []
    for message in (b"first", b"second"):
        statement = signature._statement("signature", E, key.public, message)
        c = statement.point("commitment", Point.base_mul(k)).challenge("c")
        sigs.append(signature.Signature(c, k + c * key.secret))
        signature.verify(E, key.public, message, sigs[-1])
    a, b = sigs
    assert extracted(a.response, a.challenge, b.response, b.challenge) == key.secret


def test_signatures_with_a_stuck_rng_do_not_reveal_the_key():
    key = KeyPair.generate(SeededRng(b"signer"))
    a = signature.sign(E, key.secret, b"first message", stuck_rng)
    b = signature.sign(E, key.secret, b"second message", stuck_rng)
    nonce_a = a.response - a.challenge * key.secret
    nonce_b = b.response - b.challenge * key.secret
    assert nonce_a != nonce_b
    assert extracted(a.response, a.challenge, b.response, b.challenge) != key.secret
    # Same message, other purpose: also a different nonce.
    c = signature.sign(E, key.secret, b"first message", stuck_rng,
                       purpose="dkg/identity-signature")
    assert c.response - c.challenge * key.secret != nonce_a


def test_the_nonce_still_depends_on_the_randomness():
    """Hedged, not deterministic: same key and message, other random bytes, other nonce."""
    key = KeyPair.generate(SeededRng(b"signer"))
    a = signature.sign(E, key.secret, b"message", SeededRng(b"one"))
    b = signature.sign(E, key.secret, b"message", SeededRng(b"two"))
    assert a != b
    assert signature.sign(E, key.secret, b"message", stuck_rng) == \
        signature.sign(E, key.secret, b"message", stuck_rng)


def test_ballots_with_a_stuck_rng_reveal_neither_randomness_nor_credential_secret():
    rng = SeededRng(b"ballot election")
    key, _ = recipes.run_key_ceremony(1, 1, E, rng)
    voter = derive_credential(generate_letter_code(rng), E)
    (a, opening_a), (b, opening_b) = [
        recipes.encrypt_ballot(key, E, "city", plaintext, 1, secret=voter.secret, rng=stuck_rng)
        for plaintext in (b"\x01", b"\x02")]
    # Hedged by the plaintext: challenging one ballot (revealing its r) opens nothing else.
    (r_a,), (r_b,) = opening_a.randomness, opening_b.randomness
    assert r_a != r_b
    assert extracted(a.proof.responses[0], a.proof.challenge,
                     b.proof.responses[0], b.proof.challenge) not in (r_a, r_b)
    assert extracted(a.signature.response, a.signature.challenge,
                     b.signature.response, b.signature.challenge) != voter.secret


def test_ballot_randomness_with_a_stuck_rng_differs_per_statement_and_secret():
    """A stuck RNG gives every ballot other randomness unless the whole statement repeats:
    then the ballot itself repeats, and its opening reveals only the same plaintext."""
    rng = SeededRng(b"ballot statements")
    key, _ = recipes.run_key_ceremony(1, 1, E, rng)
    voter = derive_credential(generate_letter_code(rng), E)
    checkin = bytes(range(32))

    def randomness(plaintext=b"\x01", **kw):
        kw.setdefault("secret", voter.secret)
        _, opening = ballots.encrypt(key, E, "city", plaintext, 1, credential=voter.public,
                                     rng=stuck_rng, **kw)
        return opening.randomness

    online = randomness()
    assert randomness() == online
    others = [randomness(b"\x02"), randomness(seq=2, prev=bytes(32)),
              randomness(secret=None), randomness(checkin=checkin, secret=None),
              randomness(b"\x02", checkin=checkin, secret=None)]
    assert len({online, *others}) == 1 + len(others)


def test_schnorr_and_chaum_pedersen_proofs_with_a_stuck_rng():
    x = Scalar.random_nonzero(SeededRng(b"witness"))
    public = Point.base_mul(x)
    proofs = [schnorr.prove(Transcript("test/schnorr").bytes("election", election), public, x,
                            stuck_rng) for election in (b"one", b"two")]
    a, b = proofs
    assert extracted(a.response, a.challenge, b.response, b.challenge) != x
    g2 = [Point.base_mul(Scalar(v)) for v in (7, 11)]
    context = Transcript("test/cp").bytes("election", E)
    a, b = [chaum_pedersen.prove(context, GENERATOR, public, g, g * x, x, stuck_rng) for g in g2]
    assert extracted(a.response, a.challenge, b.response, b.challenge) != x


def test_range_proofs_with_a_stuck_rng():
    rng = SeededRng(b"range")
    key, voter = KeyPair.generate(rng), KeyPair.generate(rng)
    r = Scalar.random_nonzero(rng)
    proofs = []
    for value in (0, 1):   # the same randomness, two plaintexts: two statements
        ct = encrypt(key.public, encode_int(value), r)
        proofs.append((disjunctive.prove(E, key.public, voter.public, ct, value, r, 1, stuck_rng),
                       value))
    (a, value_a), (b, value_b) = proofs
    # The true branches' nonces differ, and the simulated branches are not copies.
    nonce_a = a.responses[value_a] - a.challenges[value_a] * r
    nonce_b = b.responses[value_b] - b.challenges[value_b] * r
    assert nonce_a != nonce_b
    assert a.challenges[1 - value_a] != b.challenges[1 - value_b]


def test_partial_decryptions_with_a_stuck_rng_do_not_reveal_the_key_share():
    key, trustees = recipes.run_key_ceremony(1, 1, E, SeededRng(b"one trustee"))
    rng = SeededRng(b"ciphertexts")
    lists = [[encrypt_vector(key.public_key, embed_bytes(b"ballot %d" % i, 1),
                             random_scalars(1, rng))] for i in range(2)]
    a, b = [threshold.partially_decrypt(trustees[0], E, cts, stuck_rng, workers=1).shares[0][0]
            for cts in lists]
    assert extracted(a.proof.response, a.proof.challenge, b.proof.response,
                     b.proof.challenge) != trustees[0].share


def test_shuffles_of_other_inputs_with_a_stuck_rng_are_unrelated():
    """Unhedged, the permutation commitments c_j = r_j·G + h_ψ⁻¹(j) depend on the RNG alone:
    two shuffles would carry identical commitments (same ψ) and linked responses."""
    rng = SeededRng(b"mix")
    key = KeyPair.generate(rng)
    inputs = [encrypt_vector(key.public, embed_bytes(b"vote %d" % i, 1), random_scalars(1, rng))
              for i in range(4)]
    other = inputs[:3] + [encrypt_vector(key.public, embed_bytes(b"vote 9", 1),
                                         random_scalars(1, rng))]
    (_, a), (_, b) = [shuffle.shuffle_and_prove(E, key.public, v, stuck_rng, workers=1)
                      for v in (inputs, other)]
    assert not set(a.commitments) & set(b.commitments)
    assert a.s1 != b.s1 and not set(a.s_prime) & set(b.s_prime)


def test_the_stream_binds_randomness_secret_and_statement():
    statement = Transcript("test").bytes("election", E)
    base = hedged(stuck_rng, statement, [Scalar(1)])(64)
    assert hedged(stuck_rng, statement, [Scalar(1)])(64) == base
    assert hedged(lambda n: b"\x00" * n, statement, [Scalar(1)])(64) != base
    assert hedged(stuck_rng, statement, [Scalar(2)])(64) != base
    assert hedged(stuck_rng, statement.copy().integer("x", 1), [Scalar(1)])(64) != base
    # A byte stream: reads of any size continue where the last one stopped.
    stream, pieces = hedged(stuck_rng, statement, [Scalar(1)]), b""
    for size in (8, 8, 8, 64, 100):
        pieces += stream(size)
    whole = hedged(stuck_rng, statement, [Scalar(1)])(188)
    assert pieces == whole and whole[:64] == base
