"""Deterministic test vectors for every primitive and recipe (docs/protocol.md).

Run ``python tests/vectors/generate.py`` to rewrite the JSON files beside this script;
``tests/crypto/test_vectors.py`` checks that the stored files equal what the code
computes now, and verifies each stored object through the public verifiers.

All randomness comes from ``SeededRng`` (protocol.md, appendix A) with the seed written
in each file; every random value drawn (keys, encryption randomness, proof nonces) is
also written out, so an implementation does not need to reproduce the draw order.
"""

from __future__ import annotations

import json
import pathlib
import struct
import sys
from typing import Any

from voting_service.crypto import disjunctive, elgamal, recipes, shuffle, signature, threshold
from voting_service.crypto.credential import (derive_credential, format_letter_code,
                                              generate_letter_code)
from voting_service.crypto.embedding import embed_bytes, encode_int
from voting_service.crypto.group import GENERATOR, ORDER, Point, Scalar
from voting_service.crypto.rng import SeededRng
from voting_service.crypto.transcript import Transcript, hash_to_point

HERE = pathlib.Path(__file__).resolve().parent
ELECTION = bytes.fromhex("a1" * 32)


def _hex_scalars(values) -> list[str]:
    return [v.hex() for v in values]


def group_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/group")
    scalars = [Scalar(1), Scalar(2), Scalar(ORDER - 1)] + [Scalar.random(rng) for _ in range(3)]
    point = Point.base_mul(Scalar.random_nonzero(rng))
    wide = [rng(64) for _ in range(2)]
    return {
        "seed": "vectors/group", "order": str(ORDER), "generator": GENERATOR.hex(),
        "base_mult": [{"scalar": s.hex(), "point": Point.base_mul(s).hex()} for s in scalars],
        "scalar_mult": [{"point": point.hex(), "scalar": s.hex(), "result": (point * s).hex()}
                        for s in scalars[3:]],
        "addition": {"a": point.hex(), "b": GENERATOR.hex(), "sum": (point + GENERATOR).hex()},
        "wide_reduction": [{"bytes": w.hex(), "scalar": Scalar.from_wide_bytes(w).hex()}
                           for w in wide],
        "uniform_bytes_to_point": [{"bytes": w.hex(), "point": Point.from_uniform_bytes(w).hex()}
                                   for w in wide],
        "hash_to_point": [{"label": label, "index": i, "point": hash_to_point(label, i).hex()}
                          for label, i in (("shuffle/h", 0), ("shuffle/generator", 0),
                                           ("shuffle/generator", 1), ("shuffle/generator", 9999))],
        "invalid_points": [
            {"encoding": "00" * 32, "reason": "identity"},
            {"encoding": (bytes(GENERATOR.to_bytes()[:31]) + bytes([GENERATOR.to_bytes()[31] | 0x80])).hex(),
             "reason": "top bit set"},
            {"encoding": (2**255 - 19).to_bytes(32, "little").hex(), "reason": "not below p"},
            {"encoding": ((2**255 - 19) - int.from_bytes(GENERATOR.to_bytes(), "little")
                          ).to_bytes(32, "little").hex(), "reason": "negative (odd)"},
            {"encoding": "01" + "00" * 31, "reason": "negative (odd)"},
        ],
        "invalid_scalars": [ORDER.to_bytes(32, "little").hex(), (2**256 - 1).to_bytes(32, "little").hex()],
    }


def _item(tag: int, label: str, value: bytes) -> bytes:
    lb = label.encode()
    return bytes([tag]) + struct.pack(">I", len(lb)) + lb + struct.pack(">Q", len(value)) + value


def transcript_vectors() -> dict[str, Any]:
    p = Point.base_mul(Scalar(5))
    t = (Transcript("example").bytes("election", ELECTION).text("question", "ville")
         .integer("count", 3).scalar("s", Scalar(7)).point("p", p).points("ps", [p, GENERATOR])
         .scalars("ss", [Scalar(1), Scalar(2)]))
    raw = (_item(1, "domain", b"voting_service/v1/example") + _item(2, "election", ELECTION)
           + _item(3, "question", b"ville") + _item(4, "count", struct.pack(">Q", 3))
           + _item(5, "s", Scalar(7).to_bytes()) + _item(6, "p", p.to_bytes())
           + _item(7, "ps", p.to_bytes() + GENERATOR.to_bytes())
           + _item(8, "ss", Scalar(1).to_bytes() + Scalar(2).to_bytes()))
    return {
        "items": [
            {"tag": 1, "label": "domain", "value": "voting_service/v1/example"},
            {"tag": 2, "label": "election", "value": ELECTION.hex()},
            {"tag": 3, "label": "question", "value": "ville"},
            {"tag": 4, "label": "count", "value": 3},
            {"tag": 5, "label": "s", "value": Scalar(7).hex()},
            {"tag": 6, "label": "p", "value": p.hex()},
            {"tag": 7, "label": "ps", "value": [p.hex(), GENERATOR.hex()]},
            {"tag": 8, "label": "ss", "value": [Scalar(1).hex(), Scalar(2).hex()]},
        ],
        "transcript_bytes": raw.hex(),
        "outputs": [{"label": "c", "index": i, "output": t.output("c", i).hex(),
                     "challenge": t.challenge("c", i).hex()} for i in (0, 1)],
    }


def embedding_vectors() -> dict[str, Any]:
    cases = [(b"", 1), (b"\x01\x02\x03", 1), (bytes(range(29)), 1), (b"budget participatif" * 3, 2)]
    return {
        "bytes_per_point": 30,
        "bytes": [{"payload": payload.hex(), "width": width,
                   "points": [q.hex() for q in embed_bytes(payload, width)]}
                  for payload, width in cases],
        "integers": [{"value": v, "point": encode_int(v).hex() if v else None}
                     for v in (0, 1, 2, 1000)],
    }


def elgamal_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/elgamal")
    key = elgamal.KeyPair.generate(rng)
    message = embed_bytes(b"oui", 1)[0]
    r, r2 = Scalar.random_nonzero(rng), Scalar.random_nonzero(rng)
    ct = elgamal.encrypt(key.public, message, r)
    again = elgamal.reencrypt(key.public, ct, r2)
    return {"seed": "vectors/elgamal", "secret_key": key.secret.hex(), "public_key": key.public.hex(),
            "message": message.hex(), "randomness": r.hex(), "ciphertext": ct.to_json(),
            "reencryption_randomness": r2.hex(), "reencrypted": again.to_json(),
            "sum": (ct + again).to_json()}


def credential_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/credential")
    out = []
    for _ in range(3):
        code = generate_letter_code(rng)
        c = derive_credential(code, ELECTION)
        out.append({"printed": code, "typed": code.lower().replace("-", " "), "normalised": c.code,
                    "login_token": c.login_token.hex(), "secret": c.secret.hex(),
                    "public_credential": c.public.hex()})
    first = out[0]["normalised"]
    swapped = first[1] + first[0] + first[2:] if first[0] != first[1] else first[:2] + first[3] + first[2] + first[4:]
    return {"seed": "vectors/credential", "election": ELECTION.hex(), "codes": out,
            "rejected": [{"typed": format_letter_code(first)[:-1], "error": "format"},
                         {"typed": swapped, "error": "checksum"},
                         {"typed": "O" + first[1:], "error": "format"}]}


def ballot_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/ballot")
    key, _ = recipes.run_key_ceremony(1, 1, ELECTION, rng)
    voter = derive_credential(generate_letter_code(rng), ELECTION)
    plaintext, width, question = bytes(range(40)), 2, "quartier-nord"
    ballot, opening = recipes.encrypt_ballot(key, ELECTION, question, plaintext, width,
                                             credential=voter.public, signing_key=voter.secret,
                                             rng=rng)
    c = ballot.proof.challenge
    nonces = [s - c * r for s, r in zip(ballot.proof.responses, opening.randomness)]
    message = recipes.ballot_message(ELECTION, question, ballot.ciphertexts, ballot.proof)
    sig_nonce = ballot.signature.response - ballot.signature.challenge * voter.secret
    return {
        "seed": "vectors/ballot", "election": ELECTION.hex(), "public_key": key.public_key.hex(),
        "letter_code": voter.code, "credential_secret": voter.secret.hex(),
        "credential": voter.public.hex(), "question": question, "plaintext": plaintext.hex(),
        "width": width, "embedded": [q.hex() for q in embed_bytes(plaintext, width)],
        "randomness": _hex_scalars(opening.randomness),
        "proof_nonces": _hex_scalars(nonces),
        "proof_commitments": [Point.base_mul(u).hex() for u in nonces],
        "signed_message": message.hex(), "signature_nonce": sig_nonce.hex(),
        "signature_commitment": Point.base_mul(sig_nonce).hex(),
        "ballot": ballot.to_json(),
    }


def range_proof_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/range")
    key, voter = elgamal.KeyPair.generate(rng), elgamal.KeyPair.generate(rng)
    cases = []
    for value, maximum in ((0, 1), (1, 1), (2, 3)):
        r = Scalar.random_nonzero(rng)
        ct = elgamal.encrypt(key.public, encode_int(value), r)
        proof = disjunctive.prove(ELECTION, key.public, voter.public, ct, value, r, maximum, rng)
        cases.append({"value": value, "maximum": maximum, "randomness": r.hex(),
                      "ciphertext": ct.to_json(), "proof": proof.to_json()})
    return {"seed": "vectors/range", "election": ELECTION.hex(), "public_key": key.public.hex(),
            "credential": voter.public.hex(), "cases": cases}


def signature_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/signature")
    key = elgamal.KeyPair.generate(rng)
    message = b"message to sign"
    sig = signature.sign(ELECTION, key.secret, message, rng)
    nonce = sig.response - sig.challenge * key.secret
    return {"seed": "vectors/signature", "election": ELECTION.hex(), "secret_key": key.secret.hex(),
            "public_key": key.public.hex(), "message": message.hex(), "nonce": nonce.hex(),
            "commitment": Point.base_mul(nonce).hex(), "signature": sig.to_json()}


def ceremony_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/ceremony")
    identities = [recipes.make_trustee_identity(rng) for _ in range(3)]
    identity_keys = [i.public for i in identities]
    dealers = [recipes.make_trustee(i, 2, 3, ELECTION, identity=identities[i - 1],
                                    identity_keys=identity_keys, rng=rng) for i in (1, 2, 3)]
    announcements = [d.announcement for d in dealers]
    shares = [s for d in dealers for s in d.deal(announcements, rng)]
    keys = [d.receive(announcements, shares) for d in dealers]
    election_key = keys[0].election_key
    ciphertexts = [elgamal.encrypt_vector(election_key.public_key, embed_bytes(b"bulletin %d" % i, 1),
                                          elgamal.random_scalars(1, rng)) for i in range(2)]
    partials = [threshold.partially_decrypt(k, ELECTION, ciphertexts, rng, workers=1)
                for k in keys[::2]]
    plaintexts = threshold.combine(election_key, ciphertexts, partials, workers=1)
    return {
        "seed": "vectors/ceremony", "election": ELECTION.hex(), "threshold": 2, "count": 3,
        "identity_secrets": [i.secret.hex() for i in identities],
        "identity_keys": [k.hex() for k in identity_keys],
        "constant_terms": [dealers[i].evaluate(0).hex() for i in range(3)],
        "share_values": [[dealers[i].evaluate(j).hex() for j in (1, 2, 3)] for i in range(3)],
        "announcements": [a.to_json() for a in announcements],
        "encrypted_shares": [s.to_json() for s in shares],
        "trustee_secret_shares": [k.share.hex() for k in keys],
        "election_key": election_key.to_json(),
        "ciphertexts": [elgamal.vector_to_json(v) for v in ciphertexts],
        "partial_decryptions": [p.to_json() for p in partials],
        "lagrange": {str(t): Scalar(w).hex()
                     for t, w in threshold.lagrange_coefficients([1, 3]).items()},
        "plaintext_points": [[q.hex() for q in v] for v in plaintexts],
        "plaintexts": [(b"bulletin %d" % i).hex() for i in range(2)],
    }


def shuffle_vectors() -> dict[str, Any]:
    rng = SeededRng(b"vectors/shuffle")
    key = elgamal.KeyPair.generate(rng)
    inputs = [elgamal.encrypt_vector(key.public, embed_bytes(b"vote %d" % i, 2),
                                     elgamal.random_scalars(2, rng)) for i in range(4)]
    outputs, proof = shuffle.shuffle_and_prove(ELECTION, key.public, inputs, rng, workers=1)
    return {"seed": "vectors/shuffle", "election": ELECTION.hex(), "public_key": key.public.hex(),
            "h": shuffle.commitment_generator().hex(),
            "generators": [shuffle.generator(i).hex() for i in range(4)],
            "inputs": [elgamal.vector_to_json(v) for v in inputs],
            "outputs": [elgamal.vector_to_json(v) for v in outputs], "proof": proof.to_json()}


BUILDERS = {
    "group": group_vectors, "transcript": transcript_vectors, "embedding": embedding_vectors,
    "elgamal": elgamal_vectors, "credential": credential_vectors, "signature": signature_vectors,
    "ballot": ballot_vectors, "range_proof": range_proof_vectors, "ceremony": ceremony_vectors,
    "shuffle": shuffle_vectors,
}


def build_all() -> dict[str, Any]:
    return {name: build() for name, build in BUILDERS.items()}


def render(vector: Any) -> str:
    return json.dumps(vector, indent=2, ensure_ascii=False) + "\n"


def main() -> int:
    for name, vector in build_all().items():
        (HERE / f"{name}.json").write_text(render(vector), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
