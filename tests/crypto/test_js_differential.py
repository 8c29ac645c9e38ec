"""The JavaScript voter client and the Python side answer the same inputs the same way:
ballots (valid, malformed, tampered) read and verified, letter codes typed in every way,
choices of every ballot format encoded and decoded, canonical JSON. Hundreds of cases, most
of them invalid, go to `node` in one batch (voting_service/web/js/test/support/
differential.mjs) and to the Python functions the server uses; answers and error codes must
agree. Skipped only where Node.js or the client's npm packages are absent (.ci/run installs
both)."""

from __future__ import annotations

import copy
import json
import pathlib
import random
import shutil
import subprocess
from typing import Any

import pytest

from voting_service.crypto import ballot as ballots
from voting_service.crypto.credential import check_letter_code, login_token, public_credential
from voting_service.crypto.dkg import ElectionKey
from voting_service.crypto.errors import CryptoError
from voting_service.crypto.group import ORDER, Point, Scalar
from voting_service.pb.formats import FormatError, InvalidBallot, parse_format
from voting_service.pb.instance import Project
from voting_service.record.canonical import canonical_bytes
from voting_service.record.questions import ballot_width

ROOT = pathlib.Path(__file__).resolve().parents[2]
JS = ROOT / "voting_service" / "web" / "js"
VECTORS = ROOT / "tests" / "vectors"


def run_js(cases: list[dict]) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed")
    if not (JS / "node_modules" / "@noble" / "curves").is_dir():
        pytest.skip("run `npm ci` in voting_service/web/js first (.ci/run does)")
    out = subprocess.run([node, "test/support/differential.mjs"], cwd=JS, check=True,
                         input=json.dumps(cases), capture_output=True, text=True, timeout=600)
    answers = json.loads(out.stdout)
    assert len(answers) == len(cases)
    return answers


def compare(cases: list[dict], python) -> None:
    answers = run_js(cases)
    mismatches = []
    for case, js in zip(cases, answers):
        py = python(case)
        if case.get("both_refuse"):
            # JSON numbers above 2^53 cannot be read exactly in JavaScript: the client refuses
            # them as malformed where Python reads them and then fails the signature.
            if "error" not in py or "error" not in js:
                mismatches.append({"case": case.get("why", case), "python": py, "js": js})
        elif py != js:
            mismatches.append({"case": case.get("why", case), "python": py, "js": js})
    assert not mismatches, json.dumps(mismatches[:5], indent=1, ensure_ascii=False)[:6000]


# --- ballots --------------------------------------------------------------------------------

def python_ballot(case: dict) -> dict:
    try:
        y = Point.from_hex(case["public_key"])
        election = bytes.fromhex(case["election"])
        ballot = ballots.Ballot.from_json(case["ballot"], case.get("width"))
        kiosk = bytes.fromhex(case["kiosk_key"]) if case.get("kiosk_key") else None
        ballots.verify(ElectionKey(y, 1, (y,)), election, ballot, question=case["question"],
                       width=case["width"], kiosk_key=kiosk, signed=case.get("signed", True))
        return {"ok": ballots.tracker(election, ballot).hex()}
    except CryptoError as error:
        return {"error": error.code}


def _shift(hex_scalar: str, by: int) -> str:
    return ((int.from_bytes(bytes.fromhex(hex_scalar), "little") + by) % 2**256).to_bytes(
        32, "little").hex()


def ballot_cases() -> list[dict]:
    v = json.loads((VECTORS / "ballot.json").read_text(encoding="utf-8"))
    online, kiosk = v["cases"]
    base = {"op": "ballot", "election": v["election"], "public_key": v["public_key"]}
    cases = []

    def add(why: str, case: dict, ballot: dict, **extra) -> None:
        cases.append({**base, "why": why, "question": case["question"], "width": case["width"],
                      "kiosk_key": case.get("kiosk_public_key"), "ballot": ballot, **extra})

    for case in (online, kiosk):
        b = case["ballot"]
        label = case["label"]
        add(f"{label}: as cast", case, b)
        add(f"{label}: unsigned, checked unsigned", case, {**b, "signature": None}, signed=False)
        add(f"{label}: signed, checked unsigned", case, b, signed=False)
        add(f"{label}: unsigned, checked signed", case, {**b, "signature": None})
        add(f"{label}: unknown field", case, {**b, "extra": 1})
        for key in ("version", "question", "credential", "seq", "prev", "checkin",
                    "ciphertexts", "proof", "signature"):
            add(f"{label}: {key} missing", case, {k: x for k, x in b.items() if k != key})
        for value in (1, 3, "2", True, None, 2.5):
            add(f"{label}: version {value!r}", case, {**b, "version": value})
        for value in (0, -1, 2, "1", True, None, [], 2**64, 2**53 - 1):
            add(f"{label}: seq {value!r}", case, {**b, "seq": value})
        for value in (2**53 + 1, 2**63):
            add(f"{label}: seq {value!r}", case, {**b, "seq": value}, both_refuse=True)
        for key in ("prev", "checkin"):
            for value in ("00" * 31, "00" * 33, "AB" * 32, "zz" * 32, "", 5, "0" * 63):
                add(f"{label}: {key} {value!r}", case, {**b, key: value})
        add(f"{label}: prev not zero", case, {**b, "prev": "01" * 32})
        for value in ("00" * 32, "ff" * 32, b["credential"].upper(), "01" + "00" * 31,
                      online["ballot"]["ciphertexts"][0]["alpha"]):
            add(f"{label}: credential {value[:8]}", case, {**b, "credential": value})
        for value in ("ville", "quartier-nord", "", "Ville", 3):
            add(f"{label}: question {value!r}", case, {**b, "question": value})
        add(f"{label}: no ciphertexts", case, {**b, "ciphertexts": []})
        add(f"{label}: ciphertexts not a list", case, {**b, "ciphertexts": {}})
        cts = b["ciphertexts"]
        add(f"{label}: one ciphertext too many", case, {**b, "ciphertexts": cts + cts[:1]})
        for key in ("alpha", "beta"):
            for value in ("00" * 32, "ff" * 32, cts[0][key][:-2] + "00"):
                tampered = copy.deepcopy(cts)
                tampered[0][key] = value
                add(f"{label}: {key} {value[-6:]}", case, {**b, "ciphertexts": tampered})
        tampered = copy.deepcopy(cts)
        tampered[0]["gamma"] = cts[0]["alpha"]
        add(f"{label}: ciphertext with an extra field", case, {**b, "ciphertexts": tampered})
        proof = b["proof"]
        for why, p in (("c + ℓ", {**proof, "c": _shift(proof["c"], ORDER)}),
                       ("c + 1", {**proof, "c": _shift(proof["c"], 1)}),
                       ("s_1 + ℓ", {**proof, "s": [_shift(proof["s"][0], ORDER), *proof["s"][1:]]}),
                       ("s_1 + 1", {**proof, "s": [_shift(proof["s"][0], 1), *proof["s"][1:]]}),
                       ("no responses", {**proof, "s": []}),
                       ("one response too many", {**proof, "s": proof["s"] + proof["s"][:1]}),
                       ("extra field", {**proof, "k": proof["c"]}),
                       ("s not a list", {**proof, "s": proof["s"][0]}),
                       ("c uppercase", {**proof, "c": proof["c"].upper()})):
            add(f"{label}: proof {why}", case, {**b, "proof": p})
        if label == "online":
            sig = b["signature"]
            for why, s in (("s + 1", {**sig, "s": _shift(sig["s"], 1)}),
                           ("s + ℓ", {**sig, "s": _shift(sig["s"], ORDER)}),
                           ("c + 1", {**sig, "c": _shift(sig["c"], 1)}),
                           ("as hex text", sig["s"] * 2), ("extra field", {**sig, "x": 1}),
                           ("missing s", {"c": sig["c"]})):
                add(f"online: signature {why}", case, {**b, "signature": s})
            add("online: seq 2 after signing", case, {**b, "seq": 2})
            add("online: checked under another question's width", case, b, width=1)
            add("online: a checkin added", case, {**b, "checkin": "ab" * 32})
        else:
            sig = b["signature"]
            for why, s in (("one bit changed", ("%02x" % (int(sig[:2], 16) ^ 1)) + sig[2:]),
                           ("63 bytes", sig[:-2]), ("a Schnorr object", online["ballot"]["signature"]),
                           ("uppercase", sig.upper())):
                add(f"kiosk: signature {why}", case, {**b, "signature": s})
            add("kiosk: no kiosk key", case, b, kiosk_key=None)
            add("kiosk: another kiosk's key", case, b, kiosk_key="3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
            add("kiosk: a key that is no Ed25519 point", case, b, kiosk_key="ff" * 32)
            add("kiosk: seq 2", case, {**b, "seq": 2})
            add("kiosk: checkin null (online form)", case, {**b, "checkin": None})
    return cases


def test_ballots_are_read_and_verified_alike():
    cases = ballot_cases()
    assert len(cases) > 150
    compare(cases, python_ballot)
    outcomes = {json.dumps(python_ballot(c)) for c in cases}
    assert len(outcomes) >= 6   # trackers of the good ballots and several distinct error codes


# --- letter codes -----------------------------------------------------------------------------

ELECTION = "a1" * 32


def python_letter_code(case: dict) -> dict:
    try:
        code = check_letter_code(case["text"])
        election = bytes.fromhex(case["election"])
        return {"ok": [code, login_token(code, election).hex(),
                       public_credential(code, election).hex()]}
    except CryptoError as error:
        return {"error": error.code}


def letter_code_cases() -> list[dict]:
    rng = random.Random(20261201)
    codes = [c["printed"] for c in json.loads((VECTORS / "credential.json").read_text())["codes"]]
    odd = ["ß", "ſ", "ﬅ", "Ａ", "\u00a0", "\u2015", "é", "😀", "\u0000", "0", "O", "1", "I", "L",
           "\t", "\n", " ", "-", "\u2010", "\u2014", "_", ".", ",", "/", "ı", "K"]
    texts = list(codes)
    for code in codes:
        texts += [code.lower(), code.replace("-", ""), code.replace("-", " "),
                  code.replace("-", "\u2013"), " " + code + " ", code[:-1], code + "2"]
    for _ in range(300):
        code = list(rng.choice(codes).replace("-", ""))
        kind = rng.randrange(5)
        if kind == 0:   # one substituted symbol (a checksum error, or a wrong character)
            code[rng.randrange(20)] = rng.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ" + "".join(odd))
        elif kind == 1:  # two adjacent symbols swapped
            i = rng.randrange(19)
            code[i], code[i + 1] = code[i + 1], code[i]
        elif kind == 2:  # odd characters inserted
            for _ in range(rng.randrange(1, 3)):
                code.insert(rng.randrange(len(code) + 1), rng.choice(odd))
        elif kind == 3:  # lower-cased here and there
            code = [c.lower() if rng.random() < 0.5 else c for c in code]
        else:            # a symbol dropped or doubled
            i = rng.randrange(20)
            code = code[:i] + code[i + 1:] if rng.random() < 0.5 else code[:i] + [code[i]] + code[i:]
        texts.append("".join(code))
    return [{"op": "letter_code", "election": ELECTION, "text": t} for t in texts]


def test_letter_codes_are_checked_and_derived_alike():
    cases = letter_code_cases()
    compare(cases, python_letter_code)
    outcomes = [python_letter_code(c) for c in cases]
    assert sum("ok" in o for o in outcomes) >= 20
    assert {o.get("error") for o in outcomes} >= {"letter_code_format", "letter_code_checksum"}


# --- choices ------------------------------------------------------------------------------------

def _normal(choice) -> Any:
    """A Python ValidBallot.choice in the JSON shape the client uses."""
    if choice and isinstance(choice[0], tuple):
        return {pid: value for pid, value in choice}
    return list(choice)


def python_choice(case: dict) -> dict:
    q = case["question"]
    try:
        fmt = parse_format(q["format"], [Project(p["id"], p["cost"]) for p in q["projects"]],
                           q["budget"])
    except FormatError:
        return {"ok": {"format_error": True}}
    width = ballot_width(fmt)
    valid = fmt.validate(case["choice"])
    if isinstance(valid, InvalidBallot):
        return {"ok": {"width": width, "invalid": valid.reason_code}}
    plaintext = fmt.encode(case["choice"])
    decoded = fmt.decode_and_validate(plaintext)
    return {"ok": {"width": width, "plaintext": plaintext.hex(),
                   "decoded_ok": not isinstance(decoded, InvalidBallot)}}


def python_decode(case: dict) -> dict:
    q = case["question"]
    fmt = parse_format(q["format"], [Project(p["id"], p["cost"]) for p in q["projects"]],
                       q["budget"])
    decoded = fmt.decode_and_validate(bytes.fromhex(case["plaintext"]))
    if isinstance(decoded, InvalidBallot):
        return {"ok": {"invalid": decoded.reason_code}}
    return {"ok": {"choice": _normal(decoded.choice) if decoded.choice else
                   ({} if fmt.kind in ("cumulative", "grades") else [])}}


def _format(rng: random.Random, m: int) -> dict:
    kind = rng.choice(["approval", "budget", "cumulative", "ordinal", "grades"])
    if kind == "approval":
        spec = {"kind": kind, "min": rng.randrange(0, 3)}
        if rng.random() < 0.7:
            spec["max"] = rng.choice([None, 1, 2, 3, m, m + 2])
        return spec
    if kind == "budget":
        spec = {"kind": kind, "cap": rng.choice([None, 50, 150, 10**6])}
        if rng.random() < 0.5:
            spec["min"] = rng.randrange(0, 2)
        return spec
    if kind == "cumulative":
        return {"kind": kind, "max_per_project": rng.choice([1, 2, 3, 5, 255]),
                "max_total": rng.choice([1, 3, 10])}
    if kind == "ordinal":
        k = rng.randrange(1, m + 1)
        points = sorted((rng.randrange(0, 6) for _ in range(k)), reverse=True)
        return {"kind": kind, "k": k, "points": points, "min": rng.randrange(0, k + 1)}
    grades = ["très bien", "bien", "assez bien", "passable", "insuffisant"][:rng.randrange(2, 6)]
    return {"kind": kind, "grades": grades,
            "default": rng.choice([None, 0, len(grades) - 1])}


def _choice(rng: random.Random, spec: dict, ids: list[str]) -> Any:
    pick = lambda n: rng.sample(ids + ["inconnu"] * (rng.random() < 0.1), n)  # noqa: E731
    kind = spec["kind"]
    if kind in ("approval", "budget"):
        choice = pick(rng.randrange(0, len(ids) + 1))
        if rng.random() < 0.05 and choice:
            choice.append(choice[0])
        return choice
    if kind == "ordinal":
        choice = pick(rng.randrange(0, min(len(ids), spec["k"] + 1) + 1))
        if rng.random() < 0.05 and choice:
            choice.append(choice[0])
        return choice
    top = spec.get("max_per_project", len(spec.get("grades", [])))
    return {pid: rng.choice([0, 1, top - 1, top, top + 1, -1])
            for pid in pick(rng.randrange(0, len(ids) + 1))}


def choice_cases() -> tuple[list[dict], list[dict]]:
    rng = random.Random(9)
    choices, decodes = [], []
    for n in range(400):
        m = rng.randrange(1, 12) if n % 20 else rng.choice([83, 120])
        ids = [f"p{i}" for i in range(m)]
        question = {"id": "q", "budget": 100, "format": _format(rng, m),
                    "projects": [{"id": pid, "cost": rng.choice([10, 30, 60])} for pid in ids]}
        for _ in range(3):
            choices.append({"op": "choice", "question": question,
                            "choice": _choice(rng, question["format"], ids)})
        try:
            fmt = parse_format(question["format"], [Project(p["id"], p["cost"])
                                                    for p in question["projects"]], 100)
        except FormatError:
            continue
        for case in choices[-3:]:   # what the booth encrypts comes back out the same
            if not isinstance(fmt.validate(case["choice"]), InvalidBallot):
                decodes.append({"op": "decode", "question": question,
                                "plaintext": fmt.encode(case["choice"]).hex()})
        size = fmt.width_bytes
        for length in (size, size, size, size - 1, size + 1):
            if length >= 0:
                decodes.append({"op": "decode", "question": question,
                                "plaintext": rng.randbytes(length).hex()})
    # A malformed spec or two, and the manifest's own kinds with numeric project ids.
    bad = {"id": "q", "budget": 100, "projects": [{"id": "1", "cost": 5}]}
    for spec in ({"kind": "approval", "max": 0}, {"kind": "ordinal", "k": 2, "points": [1, 1]},
                 {"kind": "grades", "grades": ["a"]}, {"kind": "nope"},
                 {"kind": "cumulative", "max_per_project": 256, "max_total": 1},
                 {"kind": "approval", "extra": 1}, {"kind": "budget", "cap": -1}):
        choices.append({"op": "choice", "question": {**bad, "format": spec}, "choice": []})
    return choices, decodes


def test_choices_are_encoded_and_decoded_alike():
    choices, decodes = choice_cases()
    compare(choices, python_choice)
    compare(decodes, python_decode)
    outcomes = [python_choice(c)["ok"] for c in choices]
    assert sum("plaintext" in o for o in outcomes) >= 300
    assert len({o.get("invalid") for o in outcomes}) >= 8
    assert sum("choice" in python_decode(c)["ok"] for c in decodes) >= 300


# --- canonical JSON -----------------------------------------------------------------------------

def python_canonical(case: dict) -> dict:
    try:
        return {"ok": canonical_bytes(case["value"]).decode("utf-8")}
    except (TypeError, UnicodeEncodeError):
        return {"error": "type"}


def test_canonical_json_is_the_same_text():
    rng = random.Random(5)
    alphabet = ["a", "Z", "é", "\u2028", "\u007f", "\u0000", "\u001f", '"', "\\", "/", "\n",
                "😀", "\uffff", "\ue000", "ｱ", "𝄞", "\b", "\f", "\r", "\t", "~"]

    def text() -> str:
        return "".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6)))

    def value(depth: int) -> Any:
        kind = rng.randrange(7 if depth < 3 else 4)
        if kind == 0:
            return text()
        if kind == 1:
            return rng.choice([0, -1, 1, 10**15, -(10**15), 2**53 - 1])
        if kind == 2:
            return rng.choice([True, False, None])
        if kind == 3:
            return text()
        if kind in (4, 5):
            return {text(): value(depth + 1) for _ in range(rng.randrange(0, 5))}
        return [value(depth + 1) for _ in range(rng.randrange(0, 4))]

    cases = [{"op": "canonical", "value": value(0)} for _ in range(300)]
    cases.append({"op": "canonical", "value": {"amount": 1.5}})
    cases.append({"op": "canonical", "value": {"\ud800": 1}})
    compare(cases, python_canonical)
