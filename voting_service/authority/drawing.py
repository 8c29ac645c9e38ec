"""One batch of letters: for each voter a fresh letter code and check-in secret, the values
derived from them, and the printed page.

Both credential paths call `draw_letters`, the server in its worker processes, the authority
on its own machine, so a letter is the same whoever prints it. The code and the secret exist
only in this function's memory and in the PDF it writes: what it returns is public (the
credential) or a one-way hash (login and check-in hashes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..crypto.credential import derive_credential, generate_letter_code
from ..crypto.login_hash import hash_login_token
from ..letters.checkin_code import (canonical_voter_number, checkin_secret_hash,
                                    make_checkin_payload, new_checkin_secret)
from ..letters.pdf import Letter, LetterElection, write_letter_file

#: reveal(voter_number, letter_code, checkin_payload): see `draw_letters`.
Reveal = Callable[[str, str, str], None]


@dataclass(frozen=True)
class LetterVoter:
    voter_number: str
    full_name: str
    address_lines: tuple[str, ...]


@dataclass(frozen=True)
class Drawn:
    """What the server may know of one letter."""

    voter_number: str   # canonical (upper case)
    credential: str     # public credential, hex
    login_hash: str     # argon2id of the login token
    checkin_hash: str   # SHA-256 of the check-in secret (letters/checkin_code.py)


def draw_letters(slug: str, fingerprint: bytes, template: LetterElection,
                 voters: tuple[LetterVoter, ...], path: Path,
                 reveal: Reveal | None = None) -> list[Drawn]:
    """Write one PDF page per voter at `path` (synced to disk) and return, in the same order,
    the public side of each letter.

    `reveal` is for `voting-service rehearse` only, which plays the voters of a synthetic
    roll in the same process and so needs each letter's code and QR payload in memory;
    real issuance never passes it, and the secrets then exist only in the PDF."""
    drawn, letters = [], []
    for voter in voters:
        code = generate_letter_code()
        credential = derive_credential(code, fingerprint)
        secret = new_checkin_secret()
        number = canonical_voter_number(voter.voter_number)
        payload = make_checkin_payload(slug, number, secret)
        if reveal is not None:
            reveal(number, code, payload)
        drawn.append(Drawn(number, credential.public.hex(),
                           hash_login_token(credential.login_token),
                           checkin_secret_hash(slug, number, secret)))
        letters.append(Letter(voter_number=number, full_name=voter.full_name,
                              address_lines=list(voter.address_lines), letter_code=code,
                              checkin_payload=payload))
    write_letter_file(template, letters, path)
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())
    return drawn
