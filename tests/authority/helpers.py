"""Letters read back from PDFs: what a voter would type and scan."""

from __future__ import annotations

import re

from tests.letters.conftest import page_qr_codes, page_texts

CODE = re.compile(r"[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}-[2-9A-Z]{5}")


def read_letters(paths, voter_numbers) -> dict[str, tuple[str, str]]:
    """voter number → (letter code, QR payload) for the pages of these voters."""
    numbers = re.compile("|".join(re.escape(n) for n in voter_numbers))
    letters = {}
    for path in paths:
        for text, codes in zip(page_texts(path), page_qr_codes(path)):
            if found := numbers.search(text):
                [code] = codes
                letters[found.group(0)] = (CODE.search(text).group(0), code.text)
    return letters
