"""Letter codes (alphabet, check symbol, normalisation) and credential derivation."""

import math

import pytest
from crypto_helpers import CHEAP
from hypothesis import given, strategies as st

from voting_service.crypto.credential import (ALPHABET, CODE_SYMBOLS, check_letter_code,
                                              credential_secret, derive_credential,
                                              format_letter_code, generate_letter_code,
                                              login_token, normalise_letter_code,
                                              public_credential)
from voting_service.crypto.errors import CryptoError, LetterCodeChecksumError, LetterCodeError
from voting_service.crypto.group import Point
from voting_service.crypto.rng import SeededRng

codes = st.binary(min_size=1, max_size=16).map(lambda seed: generate_letter_code(SeededRng(seed)))


def test_alphabet_has_no_look_alikes_and_is_prime_sized():
    assert len(ALPHABET) == 31 and len(set(ALPHABET)) == 31
    assert not set("01OIL") & set(ALPHABET)
    assert (CODE_SYMBOLS - 1) * math.log2(len(ALPHABET)) >= 80


@given(codes)
@CHEAP
def test_generated_codes_are_printed_in_groups_and_check(code):
    groups = code.split("-")
    assert [len(g) for g in groups] == [5, 5, 5, 5]
    assert check_letter_code(code) == code.replace("-", "")


@given(codes, st.data())
@CHEAP
def test_every_single_substitution_is_caught(code, data):
    plain = normalise_letter_code(code)
    position = data.draw(st.integers(min_value=0, max_value=CODE_SYMBOLS - 1))
    replacement = data.draw(st.sampled_from([s for s in ALPHABET if s != plain[position]]))
    typo = plain[:position] + replacement + plain[position + 1:]
    with pytest.raises(LetterCodeChecksumError):
        check_letter_code(typo)


def test_all_substitutions_and_adjacent_transpositions_of_one_code_are_caught():
    plain = normalise_letter_code(generate_letter_code(SeededRng(b"exhaustive")))
    for position in range(CODE_SYMBOLS):
        for replacement in ALPHABET:
            if replacement != plain[position]:
                with pytest.raises(LetterCodeChecksumError):
                    check_letter_code(plain[:position] + replacement + plain[position + 1:])
    for position in range(CODE_SYMBOLS - 1):
        a, b = plain[position], plain[position + 1]
        if a != b:
            with pytest.raises(LetterCodeChecksumError):
                check_letter_code(plain[:position] + b + a + plain[position + 2:])


@given(codes, st.data())
@CHEAP
def test_every_adjacent_transposition_is_caught(code, data):
    plain = normalise_letter_code(code)
    position = data.draw(st.integers(min_value=0, max_value=CODE_SYMBOLS - 2))
    a, b = plain[position], plain[position + 1]
    if a == b:
        return
    with pytest.raises(LetterCodeChecksumError):
        check_letter_code(plain[:position] + b + a + plain[position + 2:])


def test_normalisation_accepts_case_spaces_and_dashes():
    code = generate_letter_code(SeededRng(b"n"))
    plain = code.replace("-", "")
    for typed in (code.lower(), " ".join(code.split("-")), plain, f"  {code} ", code.replace("-", "–")):
        assert normalise_letter_code(typed) == plain
    assert format_letter_code(plain) == code


@pytest.mark.parametrize("typed", ["", "ABC", "O" * 20, "2222-2222-2222-2222-22221", "22222-22222-22222-2222I"])
def test_malformed_codes_raise_a_typed_error(typed):
    with pytest.raises(LetterCodeError):
        check_letter_code(typed)


def test_derivation_is_deterministic_separated_and_bound_to_the_election():
    code = generate_letter_code(SeededRng(b"d"))
    credential = derive_credential(code.lower(), b"election-1")
    assert credential == derive_credential(code, b"election-1")
    assert credential.public == Point.base_mul(credential.secret)
    assert credential.public == public_credential(code, b"election-1")
    assert credential.secret == credential_secret(code, b"election-1")
    assert len(credential.login_token) == 32
    assert credential.login_token == login_token(code, b"election-1")
    assert credential.login_token != credential.secret.to_bytes()
    other = derive_credential(code, b"election-2")
    assert other.login_token != credential.login_token and other.public != credential.public


def test_derivation_refuses_a_mistyped_code():
    plain = normalise_letter_code(generate_letter_code(SeededRng(b"m")))
    typo = plain[1] + plain[0] + plain[2:] if plain[0] != plain[1] else "2" + plain[1:]
    with pytest.raises(CryptoError):
        derive_credential(typo, b"e")


def test_upper_casing_is_ascii_only():
    """Python's str.upper() maps "ß" to "SS" and "ſ" to "S": non-ASCII letters must stay
    foreign characters, as in any other implementation of §9."""
    plain = normalise_letter_code(generate_letter_code(SeededRng(b"ascii")))
    assert normalise_letter_code(plain.lower()) == plain
    for lookalike, replaces in (("ſ", "S"), ("ß", "SS"), ("ﬅ", "ST"), ("ｓ", "S"), ("ı", "I")):
        typed = plain.replace(replaces, lookalike, 1) if replaces in plain else lookalike + plain
        with pytest.raises(LetterCodeError, match="not used in codes"):
            normalise_letter_code(typed)


def test_exactly_the_listed_separators_are_removed():
    plain = normalise_letter_code(generate_letter_code(SeededRng(b"separators")))
    for separator in [" ", "\t", "\r", "\n", "-", "\u2010", "\u2011", "\u2012", "\u2013",
                      "\u2014", "_", "."]:
        assert normalise_letter_code(plain[:5] + separator + plain[5:]) == plain
    for other in ["\u00a0", "\u2015", "\u2212", "\u3000", "\f", "\v", "/", ",", "\u200b"]:
        with pytest.raises(LetterCodeError):
            normalise_letter_code(plain[:5] + other + plain[5:])
