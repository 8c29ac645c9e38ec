"""Group layer: canonical decoding, refusal of the identity, arithmetic through libsodium."""

import pickle

import pytest
from crypto_helpers import CHEAP, COSTLY
from hypothesis import given, strategies as st

from voting_service.crypto.errors import (CryptoError, DecodingError, IdentityPointError,
                                          InvalidPointError, NonCanonicalScalarError)
from voting_service.crypto.group import GENERATOR, IDENTITY, ORDER, Point, Scalar

# 2^255 − 19, the field prime under ristretto255.
P = 2**255 - 19

scalars = st.integers(min_value=0, max_value=ORDER - 1).map(Scalar)
nonzero = st.integers(min_value=1, max_value=ORDER - 1).map(Scalar)


def test_scalar_decoding_refuses_values_at_or_above_the_order():
    for value in (ORDER, ORDER + 1, 2**253, 2**256 - 1):
        with pytest.raises(NonCanonicalScalarError):
            Scalar.from_bytes(value.to_bytes(32, "little"))
    assert Scalar.from_bytes((ORDER - 1).to_bytes(32, "little")).value == ORDER - 1


@given(st.integers(min_value=ORDER, max_value=2**256 - 1))
@CHEAP
def test_every_non_canonical_scalar_is_rejected(value):
    with pytest.raises(NonCanonicalScalarError):
        Scalar.from_bytes(value.to_bytes(32, "little"))


def test_scalar_decoding_refuses_wrong_lengths_and_bad_hex():
    for data in (b"", bytes(31), bytes(33)):
        with pytest.raises(DecodingError):
            Scalar.from_bytes(data)
    for text in ("00" * 31, "AA" * 32, "zz" * 32, " 0" * 32):
        with pytest.raises(DecodingError):
            Scalar.from_hex(text)


def test_scalar_constructor_never_reduces():
    with pytest.raises(NonCanonicalScalarError):
        Scalar(ORDER)
    assert Scalar.reduce(ORDER + 5) == Scalar(5)


def test_identity_is_refused_unless_allowed():
    with pytest.raises(IdentityPointError):
        Point.from_bytes(bytes(32))
    assert Point.from_bytes(bytes(32), allow_identity=True) is IDENTITY


def test_encodings_at_or_above_the_field_prime_are_rejected():
    # Every value in [p, 2^255) is a non-canonical encoding of value − p.
    for value in range(P, 2**255):
        with pytest.raises(InvalidPointError):
            Point.from_bytes(value.to_bytes(32, "little"))


@given(st.binary(min_size=32, max_size=32))
@CHEAP
def test_top_bit_set_is_always_rejected(data):
    raw = bytearray(data)
    raw[31] |= 0x80
    with pytest.raises(InvalidPointError):
        Point.from_bytes(bytes(raw))


def test_non_canonical_point_encodings_are_rejected():
    g = GENERATOR.to_bytes()
    s = int.from_bytes(g, "little")
    negative = (P - s).to_bytes(32, "little")          # same |s|, odd: a "negative" encoding
    above_p = (s + P).to_bytes(32, "little") if s + P < 2**256 else None
    high_bit = bytearray(g)
    high_bit[31] |= 0x80
    for bad in (negative, bytes(high_bit), (P).to_bytes(32, "little"), b"\x01" + bytes(31)):
        with pytest.raises(InvalidPointError):
            Point.from_bytes(bad)
    if above_p is not None:
        with pytest.raises(InvalidPointError):
            Point.from_bytes(above_p)


@given(st.binary(min_size=32, max_size=32))
@CHEAP
def test_decoding_arbitrary_bytes_is_all_or_nothing(data):
    try:
        point = Point.from_bytes(data)
    except InvalidPointError:
        return
    assert point.to_bytes() == data and not point.is_identity()


def test_points_cannot_be_built_from_raw_bytes_directly():
    with pytest.raises(TypeError):
        Point(b"\x00" * 32)


@given(scalars, scalars, nonzero)
@COSTLY
def test_scalar_multiplication_is_linear(a, b, k):
    base = Point.base_mul(k)
    assert base * a + base * b == base * (a + b)
    assert Point.base_mul(a) + Point.base_mul(b) == Point.base_mul(a + b)
    assert base * a - base * b == base * (a - b)


def test_zero_scalar_and_identity_are_handled_without_libsodium_errors():
    zero = Scalar(0)
    assert Point.base_mul(zero) is IDENTITY
    assert GENERATOR * zero is IDENTITY
    assert IDENTITY * Scalar(5) is IDENTITY
    assert GENERATOR + IDENTITY == GENERATOR
    assert (GENERATOR - GENERATOR).is_identity()
    assert -GENERATOR + GENERATOR == IDENTITY
    assert GENERATOR * Scalar(1) == GENERATOR       # libsodium does not clamp
    assert GENERATOR * Scalar(ORDER - 1) == -GENERATOR


def test_scalar_arithmetic_and_inverse():
    a = Scalar(12345)
    assert a * a.inverse() == Scalar(1)
    assert -a + a == Scalar(0)
    with pytest.raises(ZeroDivisionError):
        Scalar(0).inverse()


def test_points_survive_pickling_for_process_pools():
    point = Point.base_mul(Scalar(99))
    assert pickle.loads(pickle.dumps(point)) == point


def test_uniform_bytes_map_is_rfc9496_one_way_map():
    # RFC 9496 appendix A.3, first test vector of the element derivation function.
    data = bytes.fromhex(
        "5d1be09e3d0c82fc538112490e35701979d99e06ca3e2b5b54bffe8b4dc772c1"
        "4d98b696a1bbfb5ca32c436cc61c16563790306c79eaca7705668b47dffe5bb6")
    assert Point.from_uniform_bytes(data).hex() == (
        "3066f82a1a747d45120d1740f14358531a8f04bbffe6a819f86dfe50f44a0a46")


def test_all_errors_share_a_base():
    for error in (DecodingError, InvalidPointError, IdentityPointError, NonCanonicalScalarError):
        assert issubclass(error, CryptoError)
