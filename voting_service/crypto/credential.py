"""Voter letter codes and what is derived from them (protocol.md §9).

A letter code is 19 random symbols and one check symbol from a 31-symbol alphabet
without look-alikes (no 0/O, 1/I/L): 19·log2(31) ≈ 94.1 bits of entropy. It is printed
and typed in four groups of five, e.g. ``K7MQ2-HX9PA-3TRWZ-E4NC8``.

Check symbol: with symbol values v_1 … v_20 (v_20 the check symbol), Σ i·v_i ≡ 0
(mod 31). Because 31 is prime and the weights 1 … 20 are distinct and non-zero mod 31,
any single substituted symbol changes the sum by i·δ ≢ 0, and any swap of two adjacent
different symbols changes it by v_i − v_{i+1} ≢ 0: both are always caught.

From the normalised code (20 symbols, upper case, no separators) and the election
fingerprint, two independent values are derived by domain-separated hashing:

* the login token (32 bytes): output "token" of the transcript [domain
  "credential/login-token", bytes "election", text "code"]; the server stores only a
  slow hash of it;
* the credential secret: challenge "secret" of the transcript [domain
  "credential/secret", bytes "election", text "code"] (wide reduction); the public
  credential is secret·G.

The code has ~94 bits of entropy, so no slow key stretching is needed in the derivation
(docs/decisions.md), which keeps the browser implementation to SHA-512 and one scalar
multiplication.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import LetterCodeChecksumError, LetterCodeError
from .group import Point, Rng, Scalar, system_rng
from .transcript import Transcript

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
MODULUS = len(ALPHABET)  # 31, prime
DATA_SYMBOLS = 19
CODE_SYMBOLS = DATA_SYMBOLS + 1
GROUP_SIZE = 5
_VALUES = {symbol: value for value, symbol in enumerate(ALPHABET)}
#: Removed when a code is typed: space, tab, CR, LF, hyphen-minus, the dashes U+2010 …
#: U+2014, low line and full stop (protocol.md §9 lists them by code point).
_SEPARATORS = frozenset(" \t\r\n-\u2010\u2011\u2012\u2013\u2014_.")
#: ASCII-only upper-casing: str.upper() also maps non-ASCII letters, some onto alphabet
#: symbols ("ß" → "SS", "ſ" → "S", "ﬅ" → "ST"), which a browser verifier would not do.
_ASCII_UPPER = str.maketrans("abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _weighted_sum(values: list[int]) -> int:
    return sum((i + 1) * v for i, v in enumerate(values)) % MODULUS


def check_symbol(data: str) -> str:
    """The check symbol completing 19 data symbols."""
    values = [_VALUES[s] for s in data]
    # Solve Σ_{i<=19} i·v_i + 20·v_20 ≡ 0 (mod 31) for v_20.
    return ALPHABET[(-_weighted_sum(values) * pow(CODE_SYMBOLS, -1, MODULUS)) % MODULUS]


def generate_letter_code(rng: Rng | None = None) -> str:
    """A fresh code in printed form (groups of five joined by dashes)."""
    rng = rng or system_rng
    data = []
    while len(data) < DATA_SYMBOLS:
        for byte in rng(DATA_SYMBOLS):
            value = byte & 0x1F  # uniform in 0..31; reject 31 to stay uniform over 0..30
            if value < MODULUS and len(data) < DATA_SYMBOLS:
                data.append(ALPHABET[value])
    code = "".join(data)
    return format_letter_code(code + check_symbol(code))


def format_letter_code(code: str) -> str:
    code = normalise_letter_code(code)
    return "-".join(code[i:i + GROUP_SIZE] for i in range(0, CODE_SYMBOLS, GROUP_SIZE))


def normalise_letter_code(text: str) -> str:
    """ASCII upper case, separators (spaces, dashes) removed; symbols and length checked.

    Raises LetterCodeError naming the first offending character.
    """
    if not isinstance(text, str):
        raise LetterCodeError("a letter code is text")
    symbols = [ch for ch in text.translate(_ASCII_UPPER) if ch not in _SEPARATORS]
    for position, ch in enumerate(symbols, start=1):
        if ch not in _VALUES:
            raise LetterCodeError(f"character {ch!r} (symbol {position}) is not used in codes")
    if len(symbols) != CODE_SYMBOLS:
        raise LetterCodeError(f"a code has {CODE_SYMBOLS} symbols, got {len(symbols)}")
    return "".join(symbols)


def check_letter_code(text: str) -> str:
    """Normalise and verify the check symbol; returns the normalised code."""
    code = normalise_letter_code(text)
    if _weighted_sum([_VALUES[s] for s in code]):
        raise LetterCodeChecksumError("the code contains a typing mistake")
    return code


def login_token(code: str, election: bytes) -> bytes:
    code = check_letter_code(code)
    t = Transcript("credential/login-token").bytes("election", election).text("code", code)
    return t.output("token")[:32]


def credential_secret(code: str, election: bytes) -> Scalar:
    code = check_letter_code(code)
    t = Transcript("credential/secret").bytes("election", election).text("code", code)
    secret = t.challenge("secret")
    if not secret.value:  # pragma: no cover (probability 2^-252)
        raise LetterCodeError("this code cannot be used; issue another")
    return secret


def public_credential(code: str, election: bytes) -> Point:
    return Point.base_mul(credential_secret(code, election))


@dataclass(frozen=True)
class Credential:
    """Everything a voter's device derives from a letter code.

    Only the public credential appears in ``repr`` (and so in ``str``, f-strings and log
    lines): the code, the login token and the secret each let someone vote or log in."""

    code: str = field(repr=False)
    login_token: bytes = field(repr=False)
    secret: Scalar = field(repr=False)
    public: Point


def derive_credential(code: str, election: bytes) -> Credential:
    normalised = check_letter_code(code)
    secret = credential_secret(normalised, election)
    return Credential(normalised, login_token(normalised, election), secret,
                      Point.base_mul(secret))
