"""Verifiable shuffle: completeness; a dropped, duplicated or altered ciphertext, or any
single changed field of statement or proof, is rejected."""

import pytest
from crypto_helpers import assert_every_mutation_fails, election_bytes
from hypothesis import HealthCheck, given, settings, strategies as st

from voting_service.crypto import shuffle
from voting_service.crypto.codec import read_point
from voting_service.crypto.elgamal import (Ciphertext, KeyPair, decrypt, encrypt_vector,
                                           random_scalars, reencrypt, vector_from_json,
                                           vector_to_json)
from voting_service.crypto.embedding import embed_bytes, extract_bytes
from voting_service.crypto.errors import InvalidShuffleError, ParameterError
from voting_service.crypto.group import GENERATOR, Scalar
from voting_service.crypto.rng import SeededRng
from voting_service.crypto.shuffle import ShuffleProof

E = b"election"
FEW = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def make_inputs(rng, count, width):
    key = KeyPair.generate(rng)
    inputs = [encrypt_vector(key.public, embed_bytes(b"v%d" % i, width), random_scalars(width, rng))
              for i in range(count)]
    return key, inputs


@given(st.binary(min_size=1, max_size=8), st.integers(min_value=1, max_value=6),
       st.integers(min_value=1, max_value=3), st.sampled_from([1, 2]))
@FEW
def test_honest_shuffles_verify_and_preserve_the_plaintexts(seed, count, width, workers):
    rng = SeededRng(seed)
    key, inputs = make_inputs(rng, count, width)
    outputs, proof = shuffle.shuffle_and_prove(E, key.public, inputs, rng, workers=workers)
    shuffle.verify(E, key.public, inputs, outputs, proof, workers=3 - workers)
    decrypted = sorted(extract_bytes([decrypt(key.secret, c) for c in v]) for v in outputs)
    assert decrypted == sorted(b"v%d" % i for i in range(count))
    assert ShuffleProof.from_json(proof.to_json()) == proof


def test_results_do_not_depend_on_the_number_of_workers():
    key, inputs = make_inputs(SeededRng(b"i"), 5, 2)
    one = shuffle.shuffle_and_prove(E, key.public, inputs, SeededRng(b"s"), workers=1)
    two = shuffle.shuffle_and_prove(E, key.public, inputs, SeededRng(b"s"), workers=2)
    assert one == two


@pytest.fixture(scope="module")
def shuffled():
    rng = SeededRng(b"fixture")
    key, inputs = make_inputs(rng, 4, 1)
    outputs, proof = shuffle.shuffle_and_prove(E, key.public, inputs, rng, workers=1)
    return key, inputs, outputs, proof


def _rejects(key, inputs, outputs, proof):
    with pytest.raises(InvalidShuffleError):
        shuffle.verify(E, key.public, inputs, outputs, proof, workers=1)


def test_dropping_a_ciphertext_is_rejected(shuffled):
    key, inputs, outputs, proof = shuffled
    _rejects(key, inputs, outputs[:-1], proof)
    _rejects(key, inputs[:-1], outputs[:-1], proof)


def test_duplicating_a_ciphertext_is_rejected(shuffled):
    key, inputs, outputs, proof = shuffled
    for i in range(len(outputs)):
        for j in range(len(outputs)):
            if i != j:
                duplicated = list(outputs)
                duplicated[j] = outputs[i]
                _rejects(key, inputs, duplicated, proof)


def test_altering_or_replacing_a_ciphertext_is_rejected(shuffled, rng):
    key, inputs, outputs, proof = shuffled
    for i in range(len(outputs)):
        altered = list(outputs)
        c = outputs[i][0]
        altered[i] = (Ciphertext(c.alpha, c.beta + GENERATOR),)
        _rejects(key, inputs, altered, proof)
        # Even a re-encryption of the right ciphertext is not the one that was proven.
        altered[i] = (reencrypt(key.public, c, Scalar.random_nonzero(rng)),)
        _rejects(key, inputs, altered, proof)
        # Nor is an input swapped for a fresh encryption of a different vote.
        changed = list(inputs)
        changed[i] = encrypt_vector(key.public, embed_bytes(b"forged", 1), random_scalars(1, rng))
        _rejects(key, changed, outputs, proof)


def test_reordering_outputs_is_rejected(shuffled):
    key, inputs, outputs, proof = shuffled
    _rejects(key, inputs, outputs[1:] + outputs[:1], proof)


def test_shape_errors(shuffled):
    key, inputs, outputs, proof = shuffled
    with pytest.raises(ParameterError):
        shuffle.shuffle_and_prove(E, key.public, [], SeededRng(b"x"))
    with pytest.raises(ParameterError):
        shuffle.shuffle_and_prove(E, key.public, [inputs[0], inputs[0] * 2], SeededRng(b"x"))
    _rejects(key, inputs, [v * 2 for v in outputs], proof)


def shuffle_case(seed: bytes) -> dict:
    rng = SeededRng(seed)
    key, inputs = make_inputs(rng, 3, 2)
    outputs, proof = shuffle.shuffle_and_prove(E, key.public, inputs, rng, workers=1)
    return {"election": "hex:" + E.hex(), "public_key": key.public.hex(),
            "inputs": [vector_to_json(v) for v in inputs],
            "outputs": [vector_to_json(v) for v in outputs], "proof": proof.to_json()}


def shuffle_verify(doc) -> None:
    shuffle.verify(election_bytes(doc["election"]), read_point(doc, "public_key"),
                   [vector_from_json(v) for v in doc["inputs"]],
                   [vector_from_json(v) for v in doc["outputs"]],
                   ShuffleProof.from_json(doc["proof"]), workers=1)


@given(st.binary(min_size=1, max_size=8))
@settings(max_examples=4, deadline=None)
def test_any_single_changed_field_is_rejected(seed):
    assert_every_mutation_fails(shuffle_case(seed), shuffle_verify)


def test_random_permutation_is_a_permutation():
    rng = SeededRng(b"p")
    for n in (1, 2, 7, 100):
        assert sorted(shuffle.random_permutation(n, rng)) == list(range(n))
