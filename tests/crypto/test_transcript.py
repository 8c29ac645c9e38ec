"""Transcripts: typed, length-prefixed, domain-separated; hash to scalar and to group."""

import hashlib
import struct

from voting_service.crypto.group import ORDER, Point, Scalar
from voting_service.crypto.transcript import Transcript, hash_to_point


def _item(tag, label, value):
    return bytes([tag]) + struct.pack(">I", len(label)) + label + struct.pack(">Q", len(value)) + value


def test_transcript_bytes_are_as_specified():
    point = Point.base_mul(Scalar(3))
    t = (Transcript("demo").bytes("b", b"\x01\x02").text("t", "é").integer("i", 7)
         .scalar("s", Scalar(5)).point("p", point).points("ps", [point, point])
         .scalars("ss", [Scalar(1)]))
    expected = (_item(1, b"domain", b"voting_service/v1/demo") + _item(2, b"b", b"\x01\x02")
                + _item(3, b"t", "é".encode()) + _item(4, b"i", struct.pack(">Q", 7))
                + _item(5, b"s", Scalar(5).to_bytes()) + _item(6, b"p", point.to_bytes())
                + _item(7, b"ps", point.to_bytes() * 2) + _item(8, b"ss", Scalar(1).to_bytes()))
    digest = hashlib.sha512(expected + _item(0x10, b"c", struct.pack(">Q", 0))).digest()
    assert t.output("c") == digest
    assert t.challenge("c") == Scalar(int.from_bytes(digest, "little") % ORDER)


def test_length_prefixes_prevent_ambiguous_concatenation():
    a = Transcript("x").bytes("m", b"ab").bytes("m", b"c").challenge("c")
    b = Transcript("x").bytes("m", b"a").bytes("m", b"bc").challenge("c")
    assert a != b


def test_domains_labels_types_and_indices_separate_outputs():
    base = Transcript("x").bytes("m", b"1").challenge("c")
    assert Transcript("y").bytes("m", b"1").challenge("c") != base
    assert Transcript("x").bytes("n", b"1").challenge("c") != base
    assert Transcript("x").text("m", "1").challenge("c") != base
    assert Transcript("x").bytes("m", b"1").challenge("d") != base
    assert Transcript("x").bytes("m", b"1").challenge("c", 1) != base


def test_outputs_do_not_change_the_transcript_and_copies_are_independent():
    t = Transcript("x").bytes("m", b"1")
    first = t.challenge("c")
    assert t.challenge("c") == first
    fork = t.copy().bytes("more", b"")
    assert t.challenge("c") == first and fork.challenge("c") != first
    assert t.challenge_ints("u", 3) == [t.challenge("u", i).value for i in range(3)]


def test_hash_to_point_is_deterministic_and_label_separated():
    assert hash_to_point("a") == hash_to_point("a")
    assert len({hash_to_point("a"), hash_to_point("b"), hash_to_point("a", 1)}) == 3
    assert not hash_to_point("a").is_identity()


def test_canonical_json_rules_stated_in_the_protocol_are_what_python_does():
    """protocol.md §9 describes json.dumps(ensure_ascii=False, separators, sort_keys)."""
    import json

    controls = "".join(chr(i) for i in range(0x20))
    value = {"b": 1, "a": controls + '"\\/\x7f\u2028é', "\U0001F600": -2, "\uff61": True}
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    escaped = "".join({8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r"}.get(i, f"\\u{i:04x}")
                      for i in range(0x20))
    assert text == ('{"a":"' + escaped + '\\"\\\\/\x7f\u2028é","b":1,'
                    '"\uff61":true,"\U0001F600":-2}')   # code point order: U+FF61 < U+1F600


def test_text_items_are_not_normalised():
    """protocol.md §3: UTF-8 of the string as given (NFC and NFD forms differ)."""
    import unicodedata

    nfc, nfd = unicodedata.normalize("NFC", "é"), unicodedata.normalize("NFD", "é")
    assert nfc != nfd
    assert Transcript("x").text("q", nfc).output("c") != Transcript("x").text("q", nfd).output("c")
    expected = hashlib.sha512(_item(1, b"domain", b"voting_service/v1/x")
                              + _item(3, b"q", "e\u0301".encode("utf-8"))
                              + _item(0x10, b"c", struct.pack(">Q", 0))).digest()
    assert Transcript("x").text("q", nfd).output("c") == expected
