import gc
import os
import stat
import tracemalloc

import pytest

from voting_service.letters import write_letter_file, write_letters
from voting_service.letters.batches import ExposedFolder

from .conftest import make_letter, page_qr_codes, page_texts


def test_batches_are_numbered_files_of_at_most_batch_size_pages(election, tmp_path):
    paths = write_letters(election, (make_letter(n) for n in range(7)), tmp_path / "out",
                          batch_size=3, prefix="quartier-nord")
    assert [path.name for path in paths] == [
        "quartier-nord-0001.pdf", "quartier-nord-0002.pdf", "quartier-nord-0003.pdf"]
    assert [len(page_texts(path)) for path in paths] == [3, 3, 1]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [p.name for p in paths]
    assert f"{make_letter(6).full_name}" in page_texts(paths[2])[0]


def test_no_letters_no_files(election, tmp_path):
    assert write_letters(election, iter([]), tmp_path) == []
    assert list(tmp_path.iterdir()) == []


def test_the_roll_is_read_one_batch_at_a_time(election, tmp_path):
    """When letter k is pulled, every earlier batch is already saved: nothing more than one
    batch is ever held back."""
    batch_size = 4

    def roll():
        for number in range(10):
            written = len(list(tmp_path.glob("lettres-*.pdf")))
            assert written == number // batch_size
            yield make_letter(number)

    assert len(write_letters(election, roll(), tmp_path, batch_size=batch_size)) == 3


def test_existing_files_are_never_overwritten(election, tmp_path):
    write_letters(election, [make_letter(1)], tmp_path)
    before = (tmp_path / "lettres-0001.pdf").read_bytes()
    with pytest.raises(FileExistsError):
        write_letters(election, [make_letter(2)], tmp_path)
    assert (tmp_path / "lettres-0001.pdf").read_bytes() == before
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize("batch_size, workers", [(0, 1), (10, 0)])
def test_sizes_must_be_positive(election, tmp_path, batch_size, workers):
    with pytest.raises(ValueError):
        write_letters(election, [make_letter(1)], tmp_path, batch_size=batch_size, workers=workers)


def _peak_bytes(election, directory, count, batch_size):
    gc.collect()
    tracemalloc.start()
    try:
        write_letters(election, (make_letter(n) for n in range(count)), directory, batch_size=batch_size)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_stays_flat_across_batches(election, tmp_path):
    batch_size = 40
    one = _peak_bytes(election, tmp_path / "one", batch_size, batch_size)
    three = _peak_bytes(election, tmp_path / "three", 3 * batch_size, batch_size)
    assert three < one * 1.25, (one, three)
    # and the check has teeth: one file of 3 batches costs clearly more
    assert _peak_bytes(election, tmp_path / "whole", 3 * batch_size, 3 * batch_size) > one * 1.5


def test_a_process_pool_writes_the_same_files(election, tmp_path):
    letters = [make_letter(n) for n in range(9)]
    serial = write_letters(election, letters, tmp_path / "serial", batch_size=2)
    pooled = write_letters(election, iter(letters), tmp_path / "pooled", batch_size=2, workers=2)
    assert [p.name for p in pooled] == [p.name for p in serial]
    assert [p.read_bytes() for p in pooled] == [p.read_bytes() for p in serial]
    assert [codes[0].text for p in pooled for codes in page_qr_codes(p)] == [
        letter.checkin_payload for letter in letters]


@pytest.fixture
def open_umask():
    """The most permissive umask: modes must come from the code, not from the umask."""
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_the_folder_is_private_and_every_letter_file_too(election, tmp_path, open_umask):
    out = tmp_path / "new" / "letters"
    paths = write_letters(election, (make_letter(n) for n in range(3)), out, batch_size=2)
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert [stat.S_IMODE(path.stat().st_mode) for path in paths] == [0o600, 0o600]
    single = tmp_path / "one.pdf"
    write_letter_file(election, [make_letter(1)], single)
    assert stat.S_IMODE(single.stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o755, 0o750, 0o711, 0o703])
def test_a_folder_others_can_open_is_refused_and_nothing_written(election, tmp_path, mode):
    out = tmp_path / "letters"
    out.mkdir()
    out.chmod(mode)
    with pytest.raises(ExposedFolder, match="chmod 700"):
        write_letters(election, (make_letter(n) for n in range(3)), out)
    assert list(out.iterdir()) == []
    out.chmod(0o700)
    assert len(write_letters(election, (make_letter(n) for n in range(3)), out)) == 1
