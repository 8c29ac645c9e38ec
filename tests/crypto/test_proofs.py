"""Σ-protocol proofs: completeness, and soundness against any single changed field.

Each case is a JSON document holding the context (election fingerprint), the full
statement and the proof; ``assert_every_mutation_fails`` changes each leaf in turn
(points shifted by G, scalars by 1, integers by 1, text and bytes altered) and expects
a CryptoError every time.
"""

import pytest
from crypto_helpers import COSTLY, assert_every_mutation_fails, election_bytes
from hypothesis import given, strategies as st

from voting_service.crypto import (chaum_pedersen, disjunctive, encryption_proof, schnorr,
                                   signature)
from voting_service.crypto.codec import read_point
from voting_service.crypto.elgamal import (Ciphertext, KeyPair, encrypt, encrypt_vector,
                                           random_scalars, vector_from_json, vector_to_json)
from voting_service.crypto.embedding import embed_bytes, encode_int
from voting_service.crypto.errors import InvalidProofError, InvalidSignatureError, ParameterError
from voting_service.crypto.group import GENERATOR, Point, Scalar
from voting_service.crypto.rng import SeededRng
from voting_service.crypto.transcript import Transcript

seeds = st.binary(min_size=1, max_size=16)


def _context(doc) -> Transcript:
    return Transcript("test/schnorr").bytes("election", election_bytes(doc["election"]))


# --- Schnorr ------------------------------------------------------------------------------

def schnorr_case(seed: bytes) -> dict:
    rng = SeededRng(seed)
    key = KeyPair.generate(rng)
    doc = {"election": "hex:" + seed.hex(), "public": key.public.hex()}
    doc["proof"] = schnorr.prove(_context(doc), key.public, key.secret, rng).to_json()
    return doc


def schnorr_verify(doc) -> None:
    schnorr.verify(_context(doc), read_point(doc, "public"),
                   schnorr.SchnorrProof.from_json(doc["proof"]))


@given(seeds)
@COSTLY
def test_schnorr_complete_and_sound(seed):
    assert_every_mutation_fails(schnorr_case(seed), schnorr_verify)


# --- Chaum–Pedersen -----------------------------------------------------------------------

def cp_case(seed: bytes) -> dict:
    rng = SeededRng(seed)
    x = Scalar.random_nonzero(rng)
    g1, g2 = Point.base_mul(Scalar.random_nonzero(rng)), Point.base_mul(Scalar.random_nonzero(rng))
    doc = {"election": "hex:" + seed.hex(), "g1": g1.hex(), "h1": (g1 * x).hex(),
           "g2": g2.hex(), "h2": (g2 * x).hex()}
    doc["proof"] = chaum_pedersen.prove(_context(doc), g1, g1 * x, g2, g2 * x, x, rng).to_json()
    return doc


def cp_verify(doc) -> None:
    chaum_pedersen.verify(_context(doc), *(read_point(doc, k) for k in ("g1", "h1", "g2", "h2")),
                          schnorr.SchnorrProof.from_json(doc["proof"]))


@given(seeds)
@COSTLY
def test_chaum_pedersen_complete_and_sound(seed):
    assert_every_mutation_fails(cp_case(seed), cp_verify)


def test_chaum_pedersen_rejects_unequal_logs(rng):
    x, y = Scalar.random_nonzero(rng), Scalar.random_nonzero(rng)
    g2 = Point.base_mul(Scalar(7))
    proof = chaum_pedersen.prove(Transcript("t"), GENERATOR, Point.base_mul(x), g2, g2 * y, x, rng)
    with pytest.raises(InvalidProofError):
        chaum_pedersen.verify(Transcript("t"), GENERATOR, Point.base_mul(x), g2, g2 * y, proof)


# --- proof of knowledge of encryption randomness -----------------------------------------

def encryption_case(seed: bytes, width: int = 2) -> dict:
    rng = SeededRng(seed)
    key, voter = KeyPair.generate(rng), KeyPair.generate(rng)
    randomness = random_scalars(width, rng)
    vector = encrypt_vector(key.public, embed_bytes(b"ballot", width), randomness)
    election = b"E" + seed
    proof = encryption_proof.prove(election, key.public, voter.public, "district-3", vector,
                                   randomness, rng)
    return {"election": "hex:" + election.hex(), "public_key": key.public.hex(),
            "credential": voter.public.hex(), "question": "district-3",
            "ciphertexts": vector_to_json(vector), "proof": proof.to_json()}


def encryption_verify(doc) -> None:
    encryption_proof.verify(election_bytes(doc["election"]), read_point(doc, "public_key"),
                            read_point(doc, "credential"), doc["question"],
                            vector_from_json(doc["ciphertexts"]),
                            encryption_proof.EncryptionProof.from_json(doc["proof"]))


@given(seeds, st.integers(min_value=1, max_value=3))
@COSTLY
def test_encryption_proof_complete_and_sound(seed, width):
    assert_every_mutation_fails(encryption_case(seed, width), encryption_verify)


@given(seeds)
@COSTLY
def test_encryption_proof_for_one_credential_fails_for_another(seed):
    doc = encryption_case(seed)
    other = KeyPair.generate(SeededRng(b"other" + seed)).public
    doc["credential"] = other.hex()
    with pytest.raises(InvalidProofError):
        encryption_verify(doc)


def test_encryption_proof_rejects_width_mismatch(rng):
    doc = encryption_case(b"w", 2)
    doc["proof"]["s"] = doc["proof"]["s"][:1]
    with pytest.raises(InvalidProofError):
        encryption_verify(doc)


# --- signatures ---------------------------------------------------------------------------

def signature_case(seed: bytes) -> dict:
    rng = SeededRng(seed)
    key = KeyPair.generate(rng)
    message = b"message " + seed
    sig = signature.sign(b"E", key.secret, message, rng)
    return {"election": "hex:45", "public_key": key.public.hex(),
            "message": "hex:" + message.hex(), "signature": sig.to_json()}


def signature_verify(doc) -> None:
    signature.verify(election_bytes(doc["election"]), read_point(doc, "public_key"),
                     election_bytes(doc["message"]), signature.Signature.from_json(doc["signature"]))


@given(seeds)
@COSTLY
def test_signature_complete_and_sound(seed):
    assert_every_mutation_fails(signature_case(seed), signature_verify)


def test_signature_error_type(rng):
    doc = signature_case(b"s")
    doc["message"] = "hex:00"
    with pytest.raises(InvalidSignatureError):
        signature_verify(doc)


# --- disjunctive range proofs -------------------------------------------------------------

def range_case(seed: bytes, value: int, maximum: int) -> dict:
    rng = SeededRng(seed)
    key, voter = KeyPair.generate(rng), KeyPair.generate(rng)
    r = Scalar.random_nonzero(rng)
    ct = encrypt(key.public, encode_int(value), r)
    proof = disjunctive.prove(b"E", key.public, voter.public, ct, value, r, maximum, rng)
    return {"election": "hex:45", "public_key": key.public.hex(),
            "credential": voter.public.hex(), "maximum": maximum,
            "ciphertext": ct.to_json(), "proof": proof.to_json()}


def range_verify(doc) -> None:
    disjunctive.verify(election_bytes(doc["election"]), read_point(doc, "public_key"),
                       read_point(doc, "credential"), Ciphertext.from_json(doc["ciphertext"]),
                       disjunctive.RangeProof.from_json(doc["proof"]), doc["maximum"])


@given(seeds, st.integers(min_value=1, max_value=4), st.data())
@COSTLY
def test_range_proof_complete_and_sound(seed, maximum, data):
    value = data.draw(st.integers(min_value=0, max_value=maximum))
    assert_every_mutation_fails(range_case(seed, value, maximum), range_verify)


def test_zero_one_proof_cannot_prove_two(rng):
    key, voter = KeyPair.generate(rng), KeyPair.generate(rng)
    r = Scalar.random_nonzero(rng)
    ct = encrypt(key.public, encode_int(2), r)
    with pytest.raises(ParameterError):
        disjunctive.prove(b"E", key.public, voter.public, ct, 2, r, 1, rng)
    # A prover lying about the value produces a proof that does not verify.
    forged = disjunctive.prove(b"E", key.public, voter.public, ct, 1, r, 1, rng)
    with pytest.raises(InvalidProofError):
        disjunctive.verify(b"E", key.public, voter.public, ct, forged, 1)
