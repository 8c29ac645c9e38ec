"""Invitation letters as PDF: one A4 page per voter, French, for a DL window envelope.

Layout (docs/decisions.md, "Invitation letter layout"), in mm from the top-left corner of the
page, the page being folded in three at 99 and 198 mm:

- top third: city and election, voting period, and the recipient's address block at x = 110,
  y = 55, 85 x 33 mm, the zone French window envelopes (DL, window 45 x 100 mm on the right)
  show whichever way the folded letter slides;
- middle third: how to vote online, with the voter number and the letter code, which is
  therefore never visible through the window;
- bottom third: how to vote at a polling point, the check-in QR code and the polling points.

Everything identical on all letters of an election is drawn once per file as a PDF form
XObject that each page reuses, and the QR code is drawn as filled rectangles (one per run of
dark modules in a row): no images. Text is set in Open Sans, embedded (subset) from the
`ttf-opensans` package, so that names print as the roll writes them (Łukasz, Nguyễn, Şahin);
the voter number and the letter code, plain ASCII, stay in the base font Courier.
"""

from __future__ import annotations

import os
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO, Iterable

import qrcode
import ttf_opensans
from qrcode.util import MODE_8BIT_BYTE, MODE_ALPHA_NUM, QRData
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import registerFont, stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .french_dates import opening_and_closing, voting_period

REGULAR, BOLD, MONO = "OpenSans", "OpenSans-Bold", "Courier-Bold"
_FONTS = [TTFont(REGULAR, str(ttf_opensans.OPENSANS_REGULAR.path)),
          TTFont(BOLD, str(ttf_opensans.OPENSANS_BOLD.path))]
for _font in _FONTS:
    registerFont(_font)
# What both weights can draw: anything else would print as an empty box.
_COVERED = frozenset.intersection(*(frozenset(font.face.charToGlyph) for font in _FONTS))
BODY = 11.5          # points; everything voters read is at least 11 pt
LEADING = 1.25       # line height as a multiple of the font size
PAGE_WIDTH, PAGE_HEIGHT = A4
LEFT, RIGHT = 20 * mm, PAGE_WIDTH - 20 * mm
BOTTOM_LINE = 287 * mm   # lowest baseline, from the top
ADDRESS_X, ADDRESS_TOP, ADDRESS_WIDTH, ADDRESS_HEIGHT = 110 * mm, 55 * mm, 85 * mm, 33 * mm
QR_LEFT, QR_TOP, QR_SIZE = 148 * mm, 202 * mm, 42 * mm   # quiet zone included
QR_BORDER = 4        # modules of quiet zone on each side (ISO/IEC 18004 minimum)
QR_MASK = 4          # fixed mask pattern: see docs/decisions.md ("check-in QR code")
_FORM = "common"
_QR_ALPHANUMERIC = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")

CODE_HINT = ("Tapez les 20 caractères dans l’ordre (tirets et majuscules facultatifs ; "
             "ni 0, O, 1, I ni L). Le dernier sert de contrôle : une faute de frappe vous est "
             "signalée.")


@dataclass(frozen=True)
class LetterElection:
    """What every letter of an election shares. Dates are aware; they print in Paris time."""

    city: str
    title: str
    starts_at: datetime
    ends_at: datetime
    polling_points: list[tuple[str, str]]   # (name, postal address)
    online_url: str

    def __post_init__(self):
        for moment in (self.starts_at, self.ends_at):
            if moment.tzinfo is None or moment.utcoffset() is None:
                raise ValueError("starts_at and ends_at must be timezone-aware")
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must come after starts_at")
        if not self.polling_points:
            raise ValueError("an election needs at least one polling point")


@dataclass(frozen=True)
class Letter:
    """One voter's letter. The letter code is secret: it is kept out of repr (and so of logs)."""

    voter_number: str
    full_name: str
    address_lines: list[str]    # street lines, then "postcode city"
    letter_code: str = field(repr=False)
    checkin_payload: str

    def __post_init__(self):
        for name in ("voter_number", "full_name", "letter_code", "checkin_payload"):
            if not getattr(self, name).strip():
                raise ValueError(f"letter for voter {self.voter_number!r}: {name} is empty")
        for name in ("voter_number", "letter_code"):   # printed in Courier (WinAnsi)
            value = getattr(self, name)
            if not (value.isascii() and value.isprintable()):
                raise ValueError(f"letter for voter {ascii(self.voter_number)}: {name} must "
                                 "be printable ASCII")


class LayoutError(ValueError):
    """The election's common text does not fit on the page (e.g. too many polling points)."""


def write_letter_file(election: LetterElection, letters: Iterable[Letter],
                      destination: Path | str | BinaryIO) -> int:
    """Write one PDF with a page per letter to a path or binary stream; return the page count.

    The output is deterministic (reportlab's invariant mode: no timestamps or random file id),
    so a batch can be re-rendered and compared. With no letters nothing is written. A file
    written to a path is readable by its owner only, from its creation on: it holds codes.
    """
    layout = _Layout(election)
    if isinstance(destination, (str, Path)):
        with _private_file(Path(destination)) as handle:
            return _write(layout, election, letters, handle)
    return _write(layout, election, letters, destination)


@contextmanager
def _private_file(path: Path):
    """Opened for writing with mode 0600 (the umask cannot widen it; an existing file is
    replaced and narrowed too). Nothing is left behind if writing fails (e.g. no letters)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _write(layout: "_Layout", election: LetterElection, letters: Iterable[Letter],
           target: BinaryIO) -> int:
    canvas = Canvas(target, pagesize=A4, invariant=1, pageCompression=1)
    canvas.setTitle(f"Invitations à voter – {printable(election.title)}")
    canvas.beginForm(_FORM)
    layout.draw_common(canvas)
    canvas.endForm()
    pages = 0
    for letter in letters:
        canvas.doForm(_FORM)
        layout.draw_voter(canvas, letter)
        canvas.showPage()
        pages += 1
    if not pages:
        raise ValueError("no letters to write")
    with _without_ascii85():
        canvas.save()
    return pages


@contextmanager
def _without_ascii85():
    """Save with zlib alone: reportlab's ASCII85 stage (only useful over 7-bit channels) is pure
    Python and took a quarter of the rendering time. reportlab reads this setting only while
    saving; another thread saving meanwhile would merely skip ASCII85 too (still valid PDF)."""
    previous = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = previous


def printable(text: str) -> str:
    """`text` as the embedded font can draw it.

    Open Sans covers the Latin, Greek and Cyrillic scripts, Vietnamese included, so names
    print as written; a character outside it loses the accents the font lacks, or becomes
    "?" (a CJK name), rather than printing as an empty box.
    """
    if all(ord(char) in _COVERED for char in text):
        return text
    out = []
    for char in text:
        if ord(char) in _COVERED:
            out.append(char)
            continue
        base = "".join(part for part in unicodedata.normalize("NFKD", char)
                       if not unicodedata.combining(part))
        out.append(base if base and all(ord(part) in _COVERED for part in base) else "?")
    return "".join(out)


def wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Split `text` into lines no wider than `width`, breaking at ordinary spaces only."""
    lines, current = [], ""
    for word in text.split(" "):
        candidate = f"{current} {word}" if current else word
        if current and stringWidth(candidate, font, size) > width:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


def qr_runs(payload: str) -> tuple[int, list[tuple[int, int, int]]]:
    """The QR symbol's size in modules (quiet zone included) and its dark runs (row, column, length).

    Error correction level M; alphanumeric mode when the payload allows it (the check-in
    payloads do), which gives the smallest symbol.
    """
    mode = MODE_ALPHA_NUM if set(payload) <= _QR_ALPHANUMERIC else MODE_8BIT_BYTE
    data = payload if mode == MODE_ALPHA_NUM else payload.encode("utf-8")
    code = qrcode.QRCode(version=_qr_version(len(data), mode),
                         error_correction=qrcode.constants.ERROR_CORRECT_M, border=QR_BORDER,
                         mask_pattern=QR_MASK)
    code.add_data(QRData(data, mode=mode))
    code.make(fit=False)
    matrix = code.get_matrix()
    runs = []
    for row, modules in enumerate(matrix):
        column, count = 0, len(modules)
        while column < count:
            if modules[column]:
                start = column
                while column < count and modules[column]:
                    column += 1
                runs.append((row, start, column - start))
            else:
                column += 1
    return len(matrix), runs


@lru_cache(maxsize=None)
def _qr_version(length: int, mode: int) -> int:
    """The smallest QR version holding `length` characters in `mode` at level M; it depends on
    nothing else, and qrcode's own search costs as much as drawing the rest of the page."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M)
    code.add_data(QRData("0" * length if mode == MODE_ALPHA_NUM else b"0" * length, mode=mode))
    return code.best_fit()


class _Layout:
    """The page of one election: common parts drawn once, per-voter parts at fixed places."""

    def __init__(self, election: LetterElection):
        self.election = election
        self.commands: list[tuple] = []   # the common part, replayed into each file's form
        self._build_common()

    # -- common part ----------------------------------------------------------------------

    def _paragraph(self, y: float, text: str, font: str = REGULAR, size: float = BODY,
                   left: float = LEFT, width: float = RIGHT - LEFT, hang: float = 0) -> float:
        """Lay out a wrapped paragraph with its first baseline at `y` (from the top), lines
        after the first indented by `hang`; return the position below it."""
        for index, line in enumerate(wrap(printable(text), font, size, width - hang)):
            self.commands.append(("text", left + (hang if index else 0), y, line, font, size))
            y += size * LEADING
        return y

    def _build_common(self) -> None:
        election = self.election
        opening, closing = opening_and_closing(election.starts_at, election.ends_at)
        period = voting_period(election.starts_at, election.ends_at)
        column = 85 * mm

        # Top third: who writes, about what, and when (the address block goes on the right).
        y = self._paragraph(20 * mm, election.city, BOLD, 18, width=column)
        y = self._paragraph(y + 2, election.title, BOLD, 14, width=column)
        y = self._paragraph(max(y + 6 * mm, 55 * mm), "Invitation à voter", BOLD, 13,
                            width=column)
        y = self._paragraph(y + 2, f"Votez {period}.", BOLD, BODY, width=column)
        y = self._paragraph(y + 2, f"Ouverture : {opening}.", width=column)
        self._paragraph(y, f"Clôture : {closing} (heure de Paris).", width=column)

        # Middle third: voting online.
        y = self._paragraph(110 * mm, "Voter sur internet", BOLD, 15)
        y = self._paragraph(y + 2, "1. Allez sur le site :", BOLD)
        y = self._paragraph(y, election.online_url, BOLD, 14, left=LEFT + 6 * mm)
        self.voter_number_at = (LEFT + stringWidth("2. Votre numéro d’électeur : ", BOLD, BODY), y + 2)
        y = self._paragraph(y + 2, "2. Votre numéro d’électeur : ", BOLD)
        y = self._paragraph(y, "3. Votre code de vote, à taper sur le site :", BOLD)
        self.code_box = (LEFT, y - 2, RIGHT - LEFT, 14 * mm)   # left, top, width, height
        self.commands.append(("box", *self.code_box))
        y = self._paragraph(y + 14 * mm + BODY + 2, CODE_HINT)
        y = self._paragraph(y + 2, "Ce code est personnel et secret : ne le donnez à personne. "
                                   "La mairie ne vous le demandera jamais.", BOLD)
        y = self._paragraph(y + 2, "Vous pouvez voter à nouveau jusqu’à la clôture : "
                                   "seul votre dernier vote en ligne compte.")
        # Bottom: voting at a polling point. The text flows on from the online part (it may
        # cross the lower fold); the QR code stays whole inside the bottom third, where a
        # crease cannot cut it, with the text beside it and the polling points below.
        narrow = QR_LEFT - 5 * mm - LEFT
        qr_block_bottom = QR_TOP + QR_SIZE + 2 * BODY * LEADING
        self.qr_caption_at = QR_TOP + QR_SIZE + BODY
        y = self._paragraph(y + 8 * mm, "Ou voter sur place", BOLD, 15)
        for text in ("Apportez cette lettre dans l’un des lieux de vote ci-dessous. À l’accueil, "
                     "un agent scanne le code carré, puis vous votez sur une borne.",
                     "Ce code carré ne permet pas de voter sur internet.",
                     "Si vous avez déjà voté sur internet, votre vote sur place le remplace. "
                     "On ne vote qu’une fois sur place."):
            y = self._paragraph(y + 2, text, width=narrow if y < qr_block_bottom else RIGHT - LEFT)
        y = self._paragraph(y + 3, "Lieux de vote :", BOLD)
        for name, address in election.polling_points:
            y = self._paragraph(y, f"• {name} – {address}", hang=stringWidth("• ", REGULAR, BODY),
                                width=narrow if y < qr_block_bottom else RIGHT - LEFT)
        if y - BODY * LEADING > BOTTOM_LINE:
            raise LayoutError(f"{len(election.polling_points)} polling points do not fit on the "
                              "letter: list fewer, or shorten their names and addresses")

    def draw_common(self, canvas: Canvas) -> None:
        for command in self.commands:
            if command[0] == "text":
                _, x, y, text, font, size = command
                canvas.setFont(font, size)
                canvas.drawString(x, PAGE_HEIGHT - y, text)
            else:
                _, left, top, width, height = command
                canvas.setLineWidth(1.2)
                canvas.roundRect(left, PAGE_HEIGHT - top - height, width, height, 3 * mm)
        canvas.setFont(REGULAR, BODY)
        caption = "À présenter à l’accueil"
        canvas.drawCentredString(QR_LEFT + QR_SIZE / 2, PAGE_HEIGHT - self.qr_caption_at, caption)

    # -- per voter ------------------------------------------------------------------------

    def draw_voter(self, canvas: Canvas, letter: Letter) -> None:
        self._draw_address(canvas, [letter.full_name, *letter.address_lines])
        voter_number = letter.voter_number
        x, y = self.voter_number_at
        canvas.setFont(MONO, 13)
        canvas.drawString(x, PAGE_HEIGHT - y, voter_number)
        canvas.setFont(REGULAR, BODY)
        canvas.drawCentredString(QR_LEFT + QR_SIZE / 2, PAGE_HEIGHT - self.qr_caption_at - BODY * LEADING,
                                 f"N° {voter_number}")
        self._draw_code(canvas, letter.letter_code)
        self._draw_qr(canvas, letter.checkin_payload)

    def _draw_address(self, canvas: Canvas, lines: list[str]) -> None:
        """The address block, shrunk if needed to stay inside the window zone (the roll should
        keep to the postal norm of 38 characters a line, which fits at full size)."""
        lines = [printable(line) for line in lines]
        size = 11.0
        widest = max(stringWidth(line, REGULAR, size) for line in lines)
        size = min(size, size * ADDRESS_WIDTH / widest if widest else size,
                   ADDRESS_HEIGHT / (len(lines) * 1.15))
        y = PAGE_HEIGHT - ADDRESS_TOP - size
        for index, line in enumerate(lines):
            canvas.setFont(BOLD if index == 0 else REGULAR, size)
            canvas.drawString(ADDRESS_X, y, line)
            y -= size * 1.15

    def _draw_code(self, canvas: Canvas, code: str) -> None:
        left, top, width, height = self.code_box
        size = min(24.0, (width - 8 * mm) / max(stringWidth(code, MONO, 1), 1))
        canvas.setFont(MONO, size)
        baseline = PAGE_HEIGHT - top - height / 2 - size * 0.3
        canvas.drawCentredString(left + width / 2, baseline, code)

    def _draw_qr(self, canvas: Canvas, payload: str) -> None:
        count, runs = qr_runs(payload)
        module = QR_SIZE / count
        canvas.saveState()
        # Module coordinates: origin at the symbol's top-left corner, one unit per module, y down.
        canvas.transform(module, 0, 0, -module, QR_LEFT, PAGE_HEIGHT - QR_TOP)
        canvas.addLiteral("".join(f"{column} {row} {length} 1 re\n" for row, column, length in runs)
                          + "f")
        canvas.restoreState()
