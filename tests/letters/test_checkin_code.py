import base64
import hashlib
import re

import pytest

from voting_service.letters.checkin_code import (
    BAD_VERSION, MALFORMED, MAX_PAYLOAD_LENGTH, CheckinCode, InvalidCheckinCode,
    canonical_voter_number, checkin_secret_hash, make_checkin_payload, new_checkin_secret,
    parse_checkin_payload)

SECRET = bytes(range(16))
QR_ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def _reason(payload):
    with pytest.raises(InvalidCheckinCode) as caught:
        parse_checkin_payload(payload)
    return caught.value.reason


def test_round_trip_and_format():
    payload = make_checkin_payload("bp-2027", "ab-00123", SECRET)
    assert re.fullmatch(r"VS2:BP-2027:AB-00123:[A-Z2-7]{26}", payload)
    assert set(payload) <= set(QR_ALPHANUMERIC)
    assert parse_checkin_payload(payload) == CheckinCode("bp-2027", "AB-00123", SECRET)


def test_the_secret_never_shows_in_a_repr():
    code = parse_checkin_payload(make_checkin_payload("bp-2027", "1", SECRET))
    assert SECRET.hex() not in repr(code) and str(SECRET) not in repr(code)
    assert "<secret>" in repr(code)


def test_voter_numbers_are_case_insensitive_and_returned_in_upper_case():
    assert make_checkin_payload("bp-2027", "ab-1", SECRET) == \
        make_checkin_payload("bp-2027", "AB-1", SECRET)
    assert canonical_voter_number("aB-9") == "AB-9"


def test_longest_ids_fit_the_declared_maximum():
    payload = make_checkin_payload("e" * 64, "V" * 32, SECRET)
    assert len(payload) == MAX_PAYLOAD_LENGTH
    assert parse_checkin_payload(payload) == CheckinCode("e" * 64, "V" * 32, SECRET)


@pytest.mark.parametrize("election_id, voter_number", [
    ("ab", "1"), ("e" * 65, "1"), ("BP-2027", "1"), ("bp_2027", "1"), ("bp-2027", ""),
    ("bp-2027", "V" * 33), ("bp-2027", "1 2"), ("bp-2027", "é1"), ("bp-2027", "1:2"),
])
def test_make_refuses_ids_outside_their_syntax(election_id, voter_number):
    with pytest.raises(ValueError):
        make_checkin_payload(election_id, voter_number, SECRET)


@pytest.mark.parametrize("secret", [b"", bytes(15), bytes(17), "x" * 16, None])
def test_secrets_are_16_bytes(secret):
    with pytest.raises(ValueError):
        make_checkin_payload("bp-2027", "1", secret)


def test_drawn_secrets_are_fresh_and_sized():
    first, second = new_checkin_secret(), new_checkin_secret()
    assert len(first) == 16 and first != second


def _changes_are_refused_or_name_another_secret(payload, changed):
    """A changed payload must never match the letter's stored hash."""
    original = parse_checkin_payload(payload).secret_hash
    try:
        code = parse_checkin_payload(changed)
    except InvalidCheckinCode:
        return True
    return code.secret_hash != original


def test_no_single_character_substitution_matches_the_stored_hash():
    payload = make_checkin_payload("bp-2027", "00123", SECRET)
    alphabet = QR_ALPHANUMERIC + "abcxyz=_é\n"
    tried = 0
    for position, original in enumerate(payload):
        for replacement in alphabet:
            if replacement == original:
                continue
            changed = payload[:position] + replacement + payload[position + 1:]
            assert _changes_are_refused_or_name_another_secret(payload, changed), changed
            tried += 1
    assert tried == len(payload) * (len(alphabet) - 1)


def test_no_deletion_or_insertion_matches_the_stored_hash():
    payload = make_checkin_payload("bp-2027", "00123", SECRET)
    for position in range(len(payload)):
        assert _changes_are_refused_or_name_another_secret(
            payload, payload[:position] + payload[position + 1:])
        for extra in "0A-:":
            assert _changes_are_refused_or_name_another_secret(
                payload, payload[:position] + extra + payload[position:])


def test_last_secret_character_must_be_canonical_base32():
    # 26 base32 characters hold 130 bits for a 128-bit secret: the 2 spare bits must be zero,
    # otherwise four different payloads would carry the same secret.
    payload = make_checkin_payload("bp-2027", "00123", SECRET)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    last = alphabet.index(payload[-1])
    assert last % 4 == 0
    for spare in (1, 2, 3):
        assert _reason(payload[:-1] + alphabet[last + spare]) == MALFORMED


def test_reasons():
    payload = make_checkin_payload("bp-2027", "00123", SECRET)
    assert _reason("VS1" + payload[3:]) == BAD_VERSION
    assert _reason("VS12" + payload[3:]) == BAD_VERSION
    assert _reason(payload.lower()) == MALFORMED
    assert _reason(" " + payload) == MALFORMED
    assert _reason("") == MALFORMED
    assert _reason(payload + "A" * 200) == MALFORMED
    assert _reason(None) == MALFORMED


def test_a_secret_does_not_transfer_to_another_voter_or_election():
    payload = make_checkin_payload("bp-2027", "00123", SECRET)
    secret = payload.rsplit(":", 1)[1]
    stored = parse_checkin_payload(payload).secret_hash
    assert parse_checkin_payload(f"VS2:BP-2027:00124:{secret}").secret_hash != stored
    assert parse_checkin_payload(f"VS2:BP-2028:00123:{secret}").secret_hash != stored
    # Moving the boundary between the fields changes the hash input (length-prefixed fields).
    assert checkin_secret_hash("bp-2027-0", "0123", SECRET) != \
        checkin_secret_hash("bp-2027", "0-0123", SECRET)


def test_known_vector():
    # Pins the layout documented in docs/decisions.md; changing it breaks printed letters.
    def lp(data: bytes) -> bytes:
        return len(data).to_bytes(2, "big") + data

    payload = make_checkin_payload("bp-2027", "00123", SECRET)
    assert payload == "VS2:BP-2027:00123:" + base64.b32encode(SECRET).decode().rstrip("=")
    transcript = lp(b"voting_service/checkin-qr/v2") + lp(b"bp-2027") + lp(b"00123") + lp(SECRET)
    assert parse_checkin_payload(payload).secret_hash == hashlib.sha256(transcript).hexdigest()
