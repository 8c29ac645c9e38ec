"""Invitation letters and their check-in QR payload.

Pure functions on plain data: no web, storage or logging imports (tests/letters/test_purity.py).
The letter code printed here is a secret: it goes into the PDF and nowhere else.
"""

from .batches import write_letters
from .checkin_code import (CheckinCode, InvalidCheckinCode, canonical_voter_number,
                           checkin_secret_hash, make_checkin_payload, new_checkin_secret,
                           parse_checkin_payload)
from .pdf import LayoutError, Letter, LetterElection, write_letter_file

__all__ = [
    "CheckinCode", "InvalidCheckinCode", "LayoutError", "Letter", "LetterElection",
    "canonical_voter_number", "checkin_secret_hash", "make_checkin_payload", "new_checkin_secret",
    "parse_checkin_payload", "write_letter_file", "write_letters",
]
