import dataclasses
import io
from datetime import datetime, timezone

import pypdfium2 as pdfium
import pytest

from voting_service.letters import (InvalidCheckinCode, LayoutError, Letter, LetterElection,
                                    make_checkin_payload, parse_checkin_payload,
                                    write_letter_file, write_letters)
from voting_service.letters.pdf import printable

from .conftest import MM, ELECTION_ID, letter_secret, make_letter, page_qr_codes, page_texts

PAGE_HEIGHT_MM = 297


def _box_mm(path, text):
    """The bounding box of `text` on page 1, in mm from the top-left corner: (left, top, right, bottom)."""
    document = pdfium.PdfDocument(path)
    try:
        textpage = document[0].get_textpage()
        found = textpage.search(text, match_case=True).get_next()
        assert found, f"{text!r} not on the page"
        start, count = found
        boxes = [textpage.get_charbox(index) for index in range(start, start + count)]
    finally:
        document.close()
    left, bottom, right, top = (min(b[0] for b in boxes), min(b[1] for b in boxes),
                                max(b[2] for b in boxes), max(b[3] for b in boxes))
    return left / MM, PAGE_HEIGHT_MM - top / MM, right / MM, PAGE_HEIGHT_MM - bottom / MM


def test_every_qr_code_decodes_to_its_voters_payload(election, tmp_path):
    letters = [make_letter(number) for number in range(7)]
    paths = write_letters(election, iter(letters), tmp_path, batch_size=3)
    decoded = [codes for path in paths for codes in page_qr_codes(path)]
    assert len(decoded) == len(letters)
    for number, (letter, codes) in enumerate(zip(letters, decoded)):
        assert len(codes) == 1, "exactly one QR code per page"
        payload = codes[0].text
        assert payload == letter.checkin_payload
        code = parse_checkin_payload(payload)
        assert (code.election_id, code.voter_number, code.secret) == (
            ELECTION_ID, letter.voter_number, letter_secret(number))
        changed = payload[:-5] + ("A" if payload[-5] != "A" else "B") + payload[-4:]
        assert parse_checkin_payload(changed).secret_hash != code.secret_hash
        with pytest.raises(InvalidCheckinCode):
            parse_checkin_payload(payload[:-1])


def test_the_page_carries_what_the_voter_needs(election, tmp_path):
    letter = make_letter(42)
    path = tmp_path / "one.pdf"
    assert write_letter_file(election, [letter], path) == 1
    [text] = page_texts(path)
    flowing = " ".join(text.split())   # lines wrapped in the layout join up again
    for expected in (
        "Villeurbanne", "Budget participatif 2027",
        "Votez du lundi 3 mai au dimanche 16 mai 2027",
        "Ouverture : lundi 3 mai 2027 à 9 h", "Clôture : dimanche 16 mai 2027 à 18 h 30",
        letter.full_name, "42 rue de la République", "69100 VILLEURBANNE",
        letter.voter_number, letter.letter_code, "Tapez les 20 caractères dans l’ordre",
        "Hôtel de ville – Place Lazare-Goujon, 69100 Villeurbanne",
        "Médiathèque du Tonkin – 2 bis promenade Lénine, 69100 Villeurbanne",
        "https://vote.villeurbanne.fr", "Ce code carré ne permet pas de voter sur internet",
    ):
        assert expected in flowing, expected


def test_pages_of_a_file_each_carry_their_own_voter(election, tmp_path):
    letters = [make_letter(number) for number in range(3)]
    path = tmp_path / "three.pdf"
    write_letter_file(election, letters, path)
    texts = page_texts(path)
    assert len(texts) == 3
    for letter, text in zip(letters, texts):
        assert letter.letter_code in text and letter.full_name in text
        others = [other for other in letters if other is not letter]
        assert not any(other.letter_code in text for other in others)


def test_address_sits_in_the_window_zone_and_the_code_stays_inside(election, tmp_path):
    letter = make_letter(7)
    path = tmp_path / "one.pdf"
    write_letter_file(election, [letter], path)
    # Window zone on the letter: x 110-195 mm, y 55-88 mm (docs/decisions.md).
    for line in (letter.full_name, *letter.address_lines):
        left, top, right, bottom = _box_mm(path, line)
        assert 110 <= left and right <= 195 and 55 <= top and bottom <= 88, (line, left, top, right, bottom)
    # The secret code is below the upper fold (99 mm), never visible through the window.
    assert _box_mm(path, letter.letter_code)[1] > 99


def test_qr_code_is_whole_inside_the_bottom_third(election, tmp_path):
    path = tmp_path / "one.pdf"
    write_letter_file(election, [make_letter(1)], path)
    [[code]] = page_qr_codes(path, dpi=150)
    corners = [code.position.top_left, code.position.top_right,
               code.position.bottom_left, code.position.bottom_right]
    tops = [corner.y / 150 * 25.4 for corner in corners]
    assert min(tops) > 198 and max(tops) < 287


def test_long_address_lines_shrink_to_stay_in_the_window(election, tmp_path):
    letter = dataclasses.replace(make_letter(1), address_lines=[
        "Résidence des Jardins de la Doua, bâtiment C, escalier 4, appartement 1207",
        "69100 VILLEURBANNE"])
    path = tmp_path / "one.pdf"
    write_letter_file(election, [letter], path)
    left, _, right, _ = _box_mm(path, "Résidence des Jardins")
    assert left >= 110 and right <= 195


def test_names_outside_the_base_fonts_lose_accents_not_letters(election, tmp_path):
    assert printable("Łucja Nguyễn-Şahin Ødegård") == "Lucja Nguyen-Sahin Ødegård"
    assert printable("Zoë « l’Œil » 5 €") == "Zoë « l’Œil » 5 €"
    assert printable("李") == "?"
    letter = dataclasses.replace(make_letter(1), full_name="Łucja Nguyễn")
    path = tmp_path / "one.pdf"
    write_letter_file(election, [letter], path)
    assert "Lucja Nguyen" in page_texts(path)[0]


def test_writes_to_a_stream(election):
    stream = io.BytesIO()
    assert write_letter_file(election, [make_letter(1), make_letter(2)], stream) == 2
    assert stream.getvalue().startswith(b"%PDF-")
    assert len(pdfium.PdfDocument(stream.getvalue())) == 2


def test_letter_code_stays_out_of_repr():
    letter = make_letter(3)
    assert letter.letter_code not in repr(letter)
    assert letter.voter_number in repr(letter)


def test_too_many_polling_points_are_refused_before_anything_is_written(election, tmp_path):
    crowded = dataclasses.replace(election, polling_points=[
        (f"Maison de quartier {n}", f"{n} avenue Roger-Salengro, 69100 Villeurbanne")
        for n in range(40)])
    with pytest.raises(LayoutError):
        write_letters(crowded, [make_letter(1)], tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_ten_polling_points_fit(election, tmp_path):
    busy = dataclasses.replace(election, polling_points=[
        (f"Maison de quartier {n}", f"{n} av. R.-Salengro, Villeurbanne") for n in range(10)])
    path = tmp_path / "one.pdf"
    write_letter_file(busy, [make_letter(1)], path)
    assert "Maison de quartier 9 – 9 av. R.-Salengro, Villeurbanne" in page_texts(path)[0]


@pytest.mark.parametrize("change", [
    {"starts_at": datetime(2027, 5, 3, 9)},
    {"ends_at": datetime(2027, 5, 2, tzinfo=timezone.utc)},
    {"polling_points": []},
])
def test_election_data_is_checked(election, change):
    with pytest.raises(ValueError):
        dataclasses.replace(election, **change)


def test_letter_fields_are_plain_data():
    assert [field.name for field in dataclasses.fields(Letter)] == [
        "voter_number", "full_name", "address_lines", "letter_code", "checkin_payload"]
    assert [field.name for field in dataclasses.fields(LetterElection)] == [
        "city", "title", "starts_at", "ends_at", "polling_points", "online_url"]


def test_an_empty_letter_file_is_refused_and_not_written(election, tmp_path):
    with pytest.raises(ValueError):
        write_letter_file(election, [], tmp_path / "empty.pdf")
    assert not (tmp_path / "empty.pdf").exists()


def test_a_letter_without_a_code_is_refused_without_leaking_other_fields():
    with pytest.raises(ValueError, match="V-00001") as caught:
        dataclasses.replace(make_letter(1), letter_code=" ")
    assert "letter_code is empty" in str(caught.value)


def test_the_largest_payload_still_decodes(election, tmp_path):
    payload = make_checkin_payload("e" * 64, "V" * 32, bytes(range(255, 239, -1)))
    letter = dataclasses.replace(make_letter(1), voter_number="V" * 32, checkin_payload=payload)
    path = tmp_path / "one.pdf"
    write_letter_file(election, [letter], path)
    [[code]] = page_qr_codes(path, dpi=150)
    assert code.text == payload
