"""The record file: a zip holding ``events.jsonl`` (one canonical event a line, in chain
order), ``heads.jsonl`` (the service's signed heads) and ``witnesses.jsonl`` (auditors'
co-signatures), as protocol.md §11.5 defines."""

from __future__ import annotations

import json
import lzma
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from .canonical import canonical_bytes
from .events import Event, RecordFormatError, parse_event
from .heads import SignedHead

EVENTS = "events.jsonl"
HEADS = "heads.jsonl"
WITNESSES = "witnesses.jsonl"
MAX_LINE = 256 * 1024 * 1024


@dataclass
class Record:
    events: list[Event] = field(default_factory=list)
    heads: list[SignedHead] = field(default_factory=list)
    witnesses: list[SignedHead] = field(default_factory=list)


def write_record(path: Path, events: Iterable[Event], heads: Iterable[SignedHead],
                 witnesses: Iterable[SignedHead]) -> None:
    tmp = Path(path).with_name(Path(path).name + ".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(EVENTS, "w") as out:
            for event in events:
                out.write(event.line() + b"\n")
        for name, items in ((HEADS, heads), (WITNESSES, witnesses)):
            with archive.open(name, "w") as out:
                for item in items:
                    out.write(canonical_bytes(item.to_json()) + b"\n")
    tmp.replace(path)


def _no_float(text: str):
    raise ValueError(f"{text} is not an integer: the record has no numbers of other kinds")


def _lines(archive: zipfile.ZipFile, name: str):
    if name not in archive.namelist():
        raise RecordFormatError(f"the record file has no {name}")
    with archive.open(name) as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.endswith(b"\n"):
                raise RecordFormatError(f"{name} line {number}: truncated (no newline)")
            try:
                yield number, raw, json.loads(raw, parse_float=_no_float,
                                              parse_constant=_no_float)
            except (json.JSONDecodeError, UnicodeDecodeError, RecursionError,
                    ValueError) as error:
                raise RecordFormatError(f"{name} line {number}: not JSON ({error})") from None


# What a damaged or hostile zip raises while its members are read: a bad CRC or header, a
# corrupt deflate, bzip2 or lzma stream, a truncated member, an encrypted member, an
# unknown compression method, offsets pointing before the file's start (ValueError,
# struct.error, OverflowError).
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError,
               NotImplementedError, RuntimeError, ValueError, struct.error, OverflowError)


def read_record(path: Path) -> Record:
    """Parse the file; every line must be the canonical form of what it holds."""
    try:
        archive = zipfile.ZipFile(path)
    except _ZIP_ERRORS as error:
        raise RecordFormatError(f"not a record file: {error}") from None
    try:
        with archive:
            return _read(archive)
    except RecordFormatError:
        raise
    except _ZIP_ERRORS as error:
        raise RecordFormatError(f"damaged record file: {error}") from None


def _read(archive: zipfile.ZipFile) -> Record:
    record = Record()
    for number, raw, obj in _lines(archive, EVENTS):
        try:
            event = parse_event(obj)
        except RecordFormatError as error:
            raise RecordFormatError(f"{EVENTS} line {number}: {error}") from None
        # The parser let no float through, so the canonical form is plain sorted JSON
        # (record/canonical.py), computed here without its slower type walk.
        canonical = json.dumps(obj, sort_keys=True, separators=(",", ":"),
                               ensure_ascii=False).encode("utf-8")
        if raw[:-1] != canonical:
            raise RecordFormatError(f"{EVENTS} line {number}: not in canonical form")
        record.events.append(event)
    for name, target in ((HEADS, record.heads), (WITNESSES, record.witnesses)):
        for number, _raw, obj in _lines(archive, name):
            try:
                target.append(SignedHead.from_json(obj))
            except ValueError as error:
                raise RecordFormatError(f"{name} line {number}: {error}") from None
    return record
