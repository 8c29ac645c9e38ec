import base64
import hashlib
import hmac
import re

import pytest

from voting_service.letters.checkin_code import (
    BAD_MAC, BAD_VERSION, MALFORMED, MAX_PAYLOAD_LENGTH, CheckinCode, InvalidCheckinCode,
    canonical_voter_number, generate_checkin_key, make_checkin_payload, parse_checkin_payload)

KEY = bytes(range(32))
QR_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _reason(key, payload):
    with pytest.raises(InvalidCheckinCode) as caught:
        parse_checkin_payload(key, payload)
    return caught.value.reason


def test_round_trip_and_format():
    payload = make_checkin_payload(KEY, "bp-2027", "ab-00123")
    assert re.fullmatch(r"VS1:BP-2027:AB-00123:[A-Z2-7]{26}", payload)
    assert set(payload) <= set(QR_ALPHANUMERIC)
    assert parse_checkin_payload(KEY, payload) == CheckinCode("bp-2027", "AB-00123")


def test_voter_numbers_are_case_insensitive_and_returned_in_upper_case():
    assert make_checkin_payload(KEY, "bp-2027", "ab-1") == make_checkin_payload(KEY, "bp-2027", "AB-1")
    assert canonical_voter_number("aB-9") == "AB-9"


def test_longest_ids_fit_the_declared_maximum():
    payload = make_checkin_payload(KEY, "e" * 64, "V" * 32)
    assert len(payload) == MAX_PAYLOAD_LENGTH
    assert parse_checkin_payload(KEY, payload) == CheckinCode("e" * 64, "V" * 32)


@pytest.mark.parametrize("election_id, voter_number", [
    ("ab", "1"), ("e" * 65, "1"), ("BP-2027", "1"), ("bp_2027", "1"), ("bp-2027", ""),
    ("bp-2027", "V" * 33), ("bp-2027", "1 2"), ("bp-2027", "é1"), ("bp-2027", "1:2"),
])
def test_make_refuses_ids_outside_their_syntax(election_id, voter_number):
    with pytest.raises(ValueError):
        make_checkin_payload(KEY, election_id, voter_number)


@pytest.mark.parametrize("key", [b"", bytes(31), bytes(33), "x" * 32])
def test_keys_must_be_32_bytes(key):
    with pytest.raises(ValueError):
        make_checkin_payload(key, "bp-2027", "1")
    with pytest.raises(ValueError):
        parse_checkin_payload(key, "VS1:X")


def test_generated_keys_are_fresh_and_sized():
    first, second = generate_checkin_key(), generate_checkin_key()
    assert len(first) == 32 and first != second


def test_every_single_character_substitution_is_refused():
    payload = make_checkin_payload(KEY, "bp-2027", "00123")
    alphabet = QR_ALPHANUMERIC + "abcxyz=_é\n"
    tried = 0
    for position, original in enumerate(payload):
        for replacement in alphabet:
            if replacement == original:
                continue
            changed = payload[:position] + replacement + payload[position + 1:]
            with pytest.raises(InvalidCheckinCode):
                parse_checkin_payload(KEY, changed)
            tried += 1
    assert tried == len(payload) * (len(alphabet) - 1)


def test_every_deletion_and_insertion_is_refused():
    payload = make_checkin_payload(KEY, "bp-2027", "00123")
    for position in range(len(payload)):
        with pytest.raises(InvalidCheckinCode):
            parse_checkin_payload(KEY, payload[:position] + payload[position + 1:])
        for extra in "0A-:":
            with pytest.raises(InvalidCheckinCode):
                parse_checkin_payload(KEY, payload[:position] + extra + payload[position:])


def test_last_mac_character_must_be_canonical_base32():
    # 26 base32 characters hold 130 bits for a 128-bit MAC: the 2 spare bits must be zero,
    # otherwise four different payloads would carry the same MAC.
    payload = make_checkin_payload(KEY, "bp-2027", "00123")
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    last = alphabet.index(payload[-1])
    assert last % 4 == 0
    for spare in (1, 2, 3):
        assert _reason(KEY, payload[:-1] + alphabet[last + spare]) == MALFORMED


def test_reasons():
    payload = make_checkin_payload(KEY, "bp-2027", "00123")
    assert _reason(bytes(32), payload) == BAD_MAC
    assert _reason(KEY, "VS2" + payload[3:]) == BAD_VERSION
    assert _reason(KEY, "VS12" + payload[3:]) == BAD_VERSION
    assert _reason(KEY, payload.lower()) == MALFORMED
    assert _reason(KEY, " " + payload) == MALFORMED
    assert _reason(KEY, "") == MALFORMED
    assert _reason(KEY, payload + "A" * 200) == MALFORMED
    assert _reason(KEY, None) == MALFORMED


def test_a_mac_does_not_transfer_to_another_voter_or_election():
    payload = make_checkin_payload(KEY, "bp-2027", "00123")
    mac = payload.rsplit(":", 1)[1]
    assert _reason(KEY, f"VS1:BP-2027:00124:{mac}") == BAD_MAC
    assert _reason(KEY, f"VS1:BP-2028:00123:{mac}") == BAD_MAC
    # Moving the boundary between the fields changes the MAC input (length-prefixed fields).
    shifted = make_checkin_payload(KEY, "bp-2027-0", "0123")
    assert _reason(KEY, "VS1:BP-2027:0-0123:" + shifted.rsplit(":", 1)[1]) == BAD_MAC


def test_known_vector():
    # Pins the transcript layout documented in docs/decisions.md; changing it breaks printed letters.
    def lp(data: bytes) -> bytes:
        return len(data).to_bytes(2, "big") + data

    transcript = lp(b"voting_service/checkin-qr") + lp(b"VS1") + lp(b"bp-2027") + lp(b"00123")
    mac = hmac.new(KEY, transcript, hashlib.sha256).digest()[:16]
    expected = "VS1:BP-2027:00123:" + base64.b32encode(mac).decode().rstrip("=")
    assert make_checkin_payload(KEY, "bp-2027", "00123") == expected
