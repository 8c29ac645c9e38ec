"""JSON readers refuse fields they do not know (protocol.md §2), at every nesting level.

A field that one verifier ignores and another honours makes the two disagree about what
an object says; every reader therefore accepts exactly its documented fields.
"""

from __future__ import annotations

import copy
import json
import pathlib

import pytest

from voting_service.crypto import disjunctive, dkg, recipes, shuffle, threshold
from voting_service.crypto.elgamal import Ciphertext
from voting_service.crypto.encryption_proof import EncryptionProof
from voting_service.crypto.errors import DecodingError
from voting_service.crypto.signature import Signature

VECTORS = pathlib.Path(__file__).resolve().parent.parent / "vectors"


def load(name):
    return json.loads((VECTORS / f"{name}.json").read_text(encoding="utf-8"))


def _documents():
    online, kiosk = (case["ballot"] for case in load("ballot")["cases"])
    ballot, ceremony = online, load("ceremony")
    return [
        (recipes.Ballot.from_json, online),
        (recipes.Ballot.from_json, kiosk),
        (Ciphertext.from_json, ballot["ciphertexts"][0]),
        (Signature.from_json, ballot["signature"]),
        (EncryptionProof.from_json, ballot["proof"]),
        (disjunctive.RangeProof.from_json, load("range_proof")["cases"][0]["proof"]),
        (dkg.Announcement.from_json, ceremony["announcements"][0]),
        (dkg.EncryptedShare.from_json, ceremony["encrypted_shares"][0]),
        (dkg.ElectionKey.from_json, ceremony["election_key"]),
        (threshold.DecryptionShare.from_json, ceremony["partial_decryptions"][0]["shares"][0][0]),
        (threshold.PartialDecryption.from_json, ceremony["partial_decryptions"][0]),
        (shuffle.ShuffleProof.from_json, load("shuffle")["proof"]),
    ]


@pytest.mark.parametrize("reader, document", _documents(),
                         ids=lambda x: getattr(x, "__qualname__", ""))
def test_readers_accept_exactly_their_fields(reader, document):
    assert reader(document).to_json() == document
    for extra in ("extra", "C", "s "):   # unknown, other case, trailing space
        with pytest.raises(DecodingError, match="unknown field"):
            reader({**document, extra: document.get("c", 1)})


def _nested(document, path):
    out = copy.deepcopy(document)
    target = out
    for key in path:
        target = target[key]
    target["note"] = "ignored?"
    return out


@pytest.mark.parametrize("reader, document, path", [
    (dkg.Announcement.from_json, load("ceremony")["announcements"][1], ("proof",)),
    (dkg.Announcement.from_json, load("ceremony")["announcements"][1], ("signature",)),
    (dkg.EncryptedShare.from_json, load("ceremony")["encrypted_shares"][2], ("signature",)),
    (threshold.PartialDecryption.from_json, load("ceremony")["partial_decryptions"][1],
     ("shares", 1, 0)),
    (recipes.Ballot.from_json, load("ballot")["cases"][0]["ballot"], ("proof",)),
    (recipes.Ballot.from_json, load("ballot")["cases"][0]["ballot"], ("signature",)),
    (recipes.Ballot.from_json, load("ballot")["cases"][0]["ballot"], ("ciphertexts", 1)),
])
def test_unknown_fields_inside_nested_objects_are_refused(reader, document, path):
    with pytest.raises(DecodingError, match="unknown field"):
        reader(_nested(document, path))
