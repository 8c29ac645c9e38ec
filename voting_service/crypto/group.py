"""The ristretto255 group (RFC 9496) through libsodium. The only module importing rbcl.

``Point`` is an element of the prime-order group, held as its canonical 32-byte encoding.
A point built from outside bytes is always validated (``Point.from_bytes``); points built
by arithmetic are valid by construction. ``Scalar`` is an integer modulo the group order
ℓ; decoding refuses any encoding >= ℓ instead of reducing it.

libsodium behaviours that this module absorbs, on purpose:

* ``crypto_core_ristretto255_is_valid_point`` accepts the identity: ``from_bytes`` refuses
  it separately unless the caller explicitly allows it.
* the libsodium bundled with rbcl 1.1 also accepts encodings whose top bit is set (s >=
  2^255, not canonical under RFC 9496): ``from_bytes`` refuses them itself.
* ``crypto_core_ristretto255_add`` returns the identity on invalid input: only validated
  encodings ever reach it.
* ``crypto_scalarmult_ristretto255`` does not clamp (1·P = P) but silently reduces
  scalars >= ℓ and raises when the result is the identity (a zero scalar): ``Scalar``
  values are always < ℓ, and multiplication by zero or of the identity is answered
  here without calling libsodium.
"""

from __future__ import annotations

import os
from typing import Callable

import rbcl

from .errors import DecodingError, IdentityPointError, InvalidPointError, NonCanonicalScalarError

#: ℓ, the order of the ristretto255 group.
ORDER = 2**252 + 27742317777372353535851937790883648493

#: A source of randomness: called with n, returns n bytes.
Rng = Callable[[int], bytes]

_ADD = rbcl.crypto_core_ristretto255_add
_SUB = rbcl.crypto_core_ristretto255_sub
_MUL = rbcl.crypto_scalarmult_ristretto255
_BASE_MUL = rbcl.crypto_scalarmult_ristretto255_base
_IS_VALID = rbcl.crypto_core_ristretto255_is_valid_point
_FROM_HASH = rbcl.crypto_core_ristretto255_from_hash

_IDENTITY_BYTES = bytes(32)
_HEX_DIGITS = frozenset("0123456789abcdef")


def system_rng(n: int) -> bytes:
    """The production randomness source (the operating system's CSPRNG)."""
    return os.urandom(n)


class Scalar:
    """An integer modulo ℓ. Immutable; encodes as 32 bytes little-endian."""

    __slots__ = ("value",)

    def __init__(self, value: int):
        if not 0 <= value < ORDER:
            raise NonCanonicalScalarError("scalar value must satisfy 0 <= value < ℓ")
        self.value = value

    @classmethod
    def reduce(cls, value: int) -> Scalar:
        """Reduce an integer modulo ℓ (an explicit, deliberate reduction)."""
        return cls(value % ORDER)

    @classmethod
    def from_bytes(cls, data: bytes) -> Scalar:
        """Decode a canonical 32-byte little-endian scalar; refuse values >= ℓ."""
        if not isinstance(data, (bytes, bytearray)) or len(data) != 32:
            raise DecodingError("a scalar is exactly 32 bytes")
        value = int.from_bytes(data, "little")
        if value >= ORDER:
            raise NonCanonicalScalarError("scalar encoding is not below the group order")
        return cls(value)

    @classmethod
    def from_hex(cls, text: str) -> Scalar:
        return cls.from_bytes(_unhex(text, 32))

    @classmethod
    def from_wide_bytes(cls, data: bytes) -> Scalar:
        """Wide reduction: 64 bytes, read little-endian, reduced modulo ℓ (hash to scalar)."""
        if len(data) != 64:
            raise DecodingError("wide reduction takes exactly 64 bytes")
        return cls(int.from_bytes(data, "little") % ORDER)

    @classmethod
    def random(cls, rng: Rng | None = None) -> Scalar:
        """A uniform scalar: 64 bytes from rng, wide-reduced (bias below 2^-250)."""
        return cls.from_wide_bytes((rng or system_rng)(64))

    @classmethod
    def random_nonzero(cls, rng: Rng | None = None) -> Scalar:
        while True:
            s = cls.random(rng)
            if s.value:
                return s

    def to_bytes(self) -> bytes:
        return self.value.to_bytes(32, "little")

    def hex(self) -> str:
        return self.to_bytes().hex()

    def __add__(self, other: Scalar) -> Scalar:
        return Scalar((self.value + other.value) % ORDER)

    def __sub__(self, other: Scalar) -> Scalar:
        return Scalar((self.value - other.value) % ORDER)

    def __mul__(self, other: Scalar) -> Scalar:
        return Scalar((self.value * other.value) % ORDER)

    def __neg__(self) -> Scalar:
        return Scalar(-self.value % ORDER)

    def inverse(self) -> Scalar:
        if not self.value:
            raise ZeroDivisionError("zero has no inverse modulo ℓ")
        return Scalar(pow(self.value, -1, ORDER))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scalar) and other.value == self.value

    def __hash__(self) -> int:
        return hash(("Scalar", self.value))

    def __int__(self) -> int:
        return self.value

    def __repr__(self) -> str:
        return f"Scalar(0x{self.value:x})"


class Point:
    """An element of ristretto255, held as its canonical 32-byte encoding."""

    __slots__ = ("_enc",)

    def __init__(self, *_args, **_kwargs):
        raise TypeError("use Point.from_bytes, Point.base_mul or arithmetic to build points")

    @classmethod
    def _trusted(cls, enc: bytes) -> Point:
        """Wrap an encoding already known to be valid (computed by libsodium, or validated)."""
        p = object.__new__(cls)
        p._enc = enc
        return p

    @classmethod
    def from_bytes(cls, data: bytes, *, allow_identity: bool = False) -> Point:
        """Decode and validate 32 bytes; refuse the identity unless explicitly allowed."""
        if not isinstance(data, (bytes, bytearray)) or len(data) != 32:
            raise DecodingError("a point is exactly 32 bytes")
        data = bytes(data)
        if data == _IDENTITY_BYTES:
            if allow_identity:
                return IDENTITY
            raise IdentityPointError("the identity element is not allowed here")
        if data[31] & 0x80 or not _IS_VALID(data):
            raise InvalidPointError("not a canonical ristretto255 encoding")
        return cls._trusted(data)

    @classmethod
    def from_hex(cls, text: str, *, allow_identity: bool = False) -> Point:
        return cls.from_bytes(_unhex(text, 32), allow_identity=allow_identity)

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Point:
        """RFC 9496 element derivation from 64 uniform bytes (libsodium ``from_hash``)."""
        if len(data) != 64:
            raise DecodingError("element derivation takes exactly 64 bytes")
        return cls._trusted(_FROM_HASH(bytes(data)))

    @staticmethod
    def base_mul(scalar: Scalar) -> Point:
        """scalar · G, with G the standard ristretto255 generator."""
        if not scalar.value:
            return IDENTITY
        return Point._trusted(_BASE_MUL(scalar.value.to_bytes(32, "little")))

    def to_bytes(self) -> bytes:
        return self._enc

    def hex(self) -> str:
        return self._enc.hex()

    def is_identity(self) -> bool:
        return self._enc == _IDENTITY_BYTES

    def __add__(self, other: Point) -> Point:
        return Point._trusted(_ADD(self._enc, other._enc))

    def __sub__(self, other: Point) -> Point:
        return Point._trusted(_SUB(self._enc, other._enc))

    def __neg__(self) -> Point:
        return Point._trusted(_SUB(_IDENTITY_BYTES, self._enc))

    def __mul__(self, scalar: Scalar) -> Point:
        if not isinstance(scalar, Scalar):
            return NotImplemented
        if not scalar.value or self._enc == _IDENTITY_BYTES:
            return IDENTITY
        return Point._trusted(_MUL(scalar.value.to_bytes(32, "little"), self._enc))

    __rmul__ = __mul__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and other._enc == self._enc

    def __hash__(self) -> int:
        return hash(self._enc)

    def __repr__(self) -> str:
        return f"Point({self._enc.hex()})"

    def __reduce__(self):
        # Pickling (process pools) carries the encoding; it was valid when it left.
        return (Point._trusted, (self._enc,))


def mul_int(point_bytes: bytes, exponent: int) -> bytes:
    """Fast path for bulk work: point encoding times an exponent already reduced mod ℓ.

    Returns the identity encoding for a zero exponent or an identity point.
    """
    if not exponent or point_bytes == _IDENTITY_BYTES:
        return _IDENTITY_BYTES
    return _MUL(exponent.to_bytes(32, "little"), point_bytes)


def base_mul_int(exponent: int) -> bytes:
    """Fast path for bulk work: exponent · G as an encoding (exponent already < ℓ)."""
    if not exponent:
        return _IDENTITY_BYTES
    return _BASE_MUL(exponent.to_bytes(32, "little"))


def add_bytes(a: bytes, b: bytes) -> bytes:
    """Fast path for bulk work on encodings that are already valid."""
    return _ADD(a, b)


def sub_bytes(a: bytes, b: bytes) -> bytes:
    """Fast path for bulk work: a − b on encodings that are already valid."""
    return _SUB(a, b)


def is_valid_encoding(data: bytes) -> bool:
    """True for the canonical encoding of a non-identity element."""
    return (len(data) == 32 and data != _IDENTITY_BYTES and not data[31] & 0x80
            and _IS_VALID(data))


def _unhex(text: str, length: int) -> bytes:
    if not isinstance(text, str) or len(text) != 2 * length:
        raise DecodingError(f"expected {2 * length} hexadecimal characters")
    if not _HEX_DIGITS.issuperset(text):
        raise DecodingError("expected lowercase hexadecimal")
    return bytes.fromhex(text)


IDENTITY = Point._trusted(_IDENTITY_BYTES)
GENERATOR = Point._trusted(_BASE_MUL((1).to_bytes(32, "little")))
IDENTITY_BYTES = _IDENTITY_BYTES
