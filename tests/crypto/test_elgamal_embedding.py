"""ElGamal, re-encryption, homomorphism, byte embedding and exponential encoding."""

import pytest
from crypto_helpers import CHEAP, COSTLY
from hypothesis import given, strategies as st

from voting_service.crypto.elgamal import (Ciphertext, KeyPair, decrypt, decrypt_with_randomness,
                                           encrypt, reencrypt)
from voting_service.crypto.embedding import (BYTES_PER_POINT, capacity, decode_int, embed_bytes,
                                             embed_chunk, encode_int, extract_bytes, extract_chunk)
from voting_service.crypto.errors import (DecodingError, DiscreteLogNotFoundError, EmbeddingError,
                                          IdentityPointError, ParameterError)
from voting_service.crypto.group import GENERATOR, Point, Scalar, is_valid_encoding
from voting_service.crypto.rng import SeededRng


@given(st.binary(max_size=89), st.binary(min_size=1, max_size=8))
@COSTLY
def test_encrypt_reencrypt_decrypt_round_trip(payload, seed):
    rng = SeededRng(seed)
    key = KeyPair.generate(rng)
    points = embed_bytes(payload, 3)
    cts = [encrypt(key.public, m, Scalar.random_nonzero(rng)) for m in points]
    again = [reencrypt(key.public, c, Scalar.random_nonzero(rng)) for c in cts]
    assert all(a != c for a, c in zip(again, cts))
    assert extract_bytes([decrypt(key.secret, c) for c in again]) == payload


def test_homomorphic_combination_adds_exponents(rng):
    key = KeyPair.generate(rng)
    a = encrypt(key.public, encode_int(3), Scalar.random_nonzero(rng))
    b = encrypt(key.public, encode_int(4), Scalar.random_nonzero(rng))
    assert decode_int(decrypt(key.secret, a + b), 100) == 7


def test_decrypt_with_randomness_checks_the_opening(rng):
    key = KeyPair.generate(rng)
    r = Scalar.random_nonzero(rng)
    ct = encrypt(key.public, encode_int(9), r)
    assert decrypt_with_randomness(key.public, ct, r) == encode_int(9)
    with pytest.raises(ParameterError):
        decrypt_with_randomness(key.public, ct, r + Scalar(1))


def test_zero_randomness_is_refused(rng):
    with pytest.raises(ParameterError):
        encrypt(KeyPair.generate(rng).public, GENERATOR, Scalar(0))


def test_ciphertext_json_refuses_identity_and_bad_points():
    good = Ciphertext(GENERATOR, GENERATOR).to_json()
    with pytest.raises(IdentityPointError):
        Ciphertext.from_json({**good, "alpha": "00" * 32})
    with pytest.raises(DecodingError):
        Ciphertext.from_json({"alpha": good["alpha"]})
    with pytest.raises(DecodingError):
        Ciphertext.from_json({**good, "beta": "01" + "00" * 31})


@given(st.binary(max_size=3 * BYTES_PER_POINT - 1), st.integers(min_value=3, max_value=4))
@CHEAP
def test_embedding_round_trips_every_payload_that_fits(payload, width):
    points = embed_bytes(payload, width)
    assert len(points) == width
    assert extract_bytes(points) == payload


def test_embedding_capacity_is_enforced():
    assert capacity(1) == 29
    embed_bytes(bytes(29), 1)
    with pytest.raises(EmbeddingError):
        embed_bytes(bytes(30), 1)
    with pytest.raises(ParameterError):
        embed_bytes(b"", 0)


def test_extraction_refuses_non_canonical_counters_and_bad_padding():
    chunk = bytes(range(30))
    point = embed_chunk(chunk)
    enc = point.to_bytes()
    counter = (enc[0] >> 1) | (enc[31] << 7)
    # Find a larger counter that is also a valid encoding of the same chunk: not canonical.
    for later in range(counter + 1, counter + 200):
        candidate = bytes([2 * (later & 0x7F)]) + chunk + bytes([later >> 7])
        if is_valid_encoding(candidate):
            with pytest.raises(EmbeddingError):
                extract_chunk(Point.from_bytes(candidate))
            break
    else:  # pragma: no cover
        pytest.fail("no second valid counter found")
    unpadded = embed_chunk(b"\x01" * 30)
    with pytest.raises(EmbeddingError):
        extract_bytes([unpadded])


def test_random_points_are_not_payloads(rng):
    failures = 0
    for _ in range(20):
        try:
            extract_bytes([Point.base_mul(Scalar.random_nonzero(rng))])
        except EmbeddingError:
            failures += 1
    assert failures >= 15


def test_exponential_decoding_is_bounded():
    for value in (0, 1, 2, 99, 100):
        assert decode_int(encode_int(value), 100) == value
    with pytest.raises(DiscreteLogNotFoundError):
        decode_int(encode_int(101), 100)
