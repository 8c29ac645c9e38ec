from datetime import datetime, timezone

import pypdfium2 as pdfium
import pytest
import zxingcpp

from voting_service.letters import Letter, LetterElection, make_checkin_payload

ELECTION_ID = "bp-2027"
MM = 72 / 25.4   # PDF points per millimetre


@pytest.fixture
def election():
    return LetterElection(
        city="Villeurbanne",
        title="Budget participatif 2027",
        starts_at=datetime(2027, 5, 3, 7, 0, tzinfo=timezone.utc),     # 9 h in Paris (CEST)
        ends_at=datetime(2027, 5, 16, 16, 30, tzinfo=timezone.utc),    # 18 h 30 in Paris
        polling_points=[("Hôtel de ville", "Place Lazare-Goujon, 69100 Villeurbanne"),
                        ("Médiathèque du Tonkin", "2 bis promenade Lénine, 69100 Villeurbanne")],
        online_url="https://vote.villeurbanne.fr",
    )


def letter_secret(number: int) -> bytes:
    """A fixed check-in secret per test letter, so that files compare byte for byte."""
    return number.to_bytes(16, "big")


def make_letter(number: int) -> Letter:
    voter = f"V-{number:05d}"
    return Letter(
        voter_number=voter,
        full_name=f"Mme Élodie Müller-N’Diaye {number}",
        address_lines=[f"{number} rue de la République", "69100 VILLEURBANNE"],
        letter_code=f"K7QX 3MPA 9RTD WV2H {number:02d}F",
        checkin_payload=make_checkin_payload(ELECTION_ID, voter, letter_secret(number)),
    )


def page_texts(path) -> list[str]:
    """Each page's text as pdfium extracts it, with no-break spaces made ordinary."""
    document = pdfium.PdfDocument(path)
    try:
        return [page.get_textpage().get_text_bounded().replace("\u00a0", " ").replace("\r\n", "\n")
                for page in document]
    finally:
        document.close()


def page_qr_codes(path, dpi: int = 150) -> list[list]:
    """The QR codes zxing-cpp finds on each page rendered at `dpi`."""
    document = pdfium.PdfDocument(path)
    try:
        return [zxingcpp.read_barcodes(page.render(scale=dpi / 72, grayscale=True).to_pil(),
                                       formats=zxingcpp.BarcodeFormat.QRCode)
                for page in document]
    finally:
        document.close()
