"""The voter's device: encrypting, proving and signing one ballot in Chromium, and the same
code under Node.js in the same run (the ratio is what to compare across machines).

    .venv/bin/python benchmarks/browser_ballot.py --json
    .venv/bin/python benchmarks/browser_ballot.py --runs 50 --json

Ballots: the largest shared question, Warszawa 2026 (83 projects, approval, at most 5
approvals, from /work/shared/data/pabulib), and a budget ballot over the same projects with
the city's budget as the cap; each with a real voter's choice from the file (the first vote
that fits the format). The browser loads the committed bundle (voting_service/web/static/js)
and benchmarks/browser_ballot.mjs exactly as Node does; Chromium is Debian's
(/usr/bin/chromium, headless), driven by Playwright, never a downloaded browser. The timed
operation is `prepareBallot(...).sign()`: embed, encrypt, prove (hedged nonces), tracker,
Schnorr signature; the letter code is derived once, before timing. Each side measures the
median of `--runs` after `--warmup` untimed ones, in `--rounds` rounds alternating Chromium
and Node, and keeps its lowest median; the choice encoding and the width are checked
against the Python side first, and the last ballot each side signed is verified in Python.

`--json` prints a list of rows: ballot, chromium_ms, node_ms, ratio (chromium ÷ node), and
width, runs, rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from voting_service.crypto import ballot as ballots  # noqa: E402
from voting_service.crypto.credential import derive_credential, generate_letter_code  # noqa: E402
from voting_service.crypto.dkg import ElectionKey  # noqa: E402
from voting_service.crypto.elgamal import KeyPair  # noqa: E402
from voting_service.pb.pabulib import read_pabulib  # noqa: E402
from voting_service.record.canonical import digest  # noqa: E402
from voting_service.record.questions import question_specs  # noqa: E402
from voting_service.web.assets import STATIC_JS, manifest as bundle_manifest  # noqa: E402

DATA = Path(os.environ.get("VOTING_PABULIB_DIR", "/work/shared/data/pabulib"))
WARSZAWA = "Poland_Warszawa_2026.pb"
CHROMIUM = os.environ.get("VOTING_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
HARNESS = Path(__file__).resolve().with_name("browser_ballot.mjs")
ORIGIN = "http://bench.invalid"


def questions() -> tuple[dict, list[dict]]:
    """A manifest with the two benchmark questions, and one real choice for each."""
    election = read_pabulib(DATA / WARSZAWA)
    instance = election.instance
    projects = [{"id": p.id, "title": p.name[:200], "summary": "", "cost": int(p.cost),
                 "category": "", "district": None, "external_ref": ""} for p in instance.projects]
    budget = int(instance.budget)
    max_length = int(election.meta.get("max_length", len(projects)))
    approval = {"id": "warszawa-2026", "title": "Warszawa 2026", "district": None,
                "budget": budget, "currency": "PLN",
                "format": {"kind": "approval", "min": 0, "max": max_length},
                "rule": {"rule": "greedy"}, "projects": projects}
    budget_q = {**approval, "id": "warszawa-2026-budget",
                "format": {"kind": "budget", "cap": None}}
    manifest = {"version": 1, "id": "bench-warszawa-2026", "title": "Warszawa 2026",
                "city": "Warszawa", "starts_at": "2026-06-01T08:00:00Z",
                "ends_at": "2026-06-15T18:00:00Z", "districts": [], "polling_points": [],
                "questions": [approval, budget_q]}
    specs = question_specs(manifest)
    chosen = {}
    for vote in election.votes:
        for q in (approval, budget_q):
            fmt = specs[q["id"]].format
            if q["id"] not in chosen and len(vote.choice) >= min(3, max_length) and \
                    not hasattr(fmt.validate(list(vote.choice)), "reason_code"):
                chosen[q["id"]] = list(vote.choice)
        if len(chosen) == 2:
            break
    rows = []
    for name, q in (("warszawa-2026 approval (83 projects)", approval),
                    ("warszawa-2026 budget (83 projects)", budget_q)):
        spec = specs[q["id"]]
        rows.append({"name": name, "question": q, "choice": chosen[q["id"]],
                     "plaintext": spec.format.encode(chosen[q["id"]]).hex(), "width": spec.width})
    return manifest, rows


def params(runs: int, warmup: int) -> tuple[dict, ElectionKey]:
    manifest, rows = questions()
    fingerprint = digest(manifest)
    key = KeyPair.generate()
    election_key = ElectionKey(key.public, 1, (key.public,))
    return {"fingerprint": fingerprint, "public_key": key.public.hex(),
            "letter_code": generate_letter_code(), "ballots": rows,
            "runs": runs, "warmup": warmup}, election_key


def bundle_path() -> Path:
    return STATIC_JS / bundle_manifest()["voter-client.js"]["file"]


def run_node(p: dict) -> list[dict]:
    node = shutil.which("node")
    if node is None:
        raise SystemExit("Node.js is needed for the reference measurement")
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(p, f)
        f.flush()
        out = subprocess.run([node, str(HARNESS), str(bundle_path()), f.name], check=True,
                             capture_output=True, text=True)
    return json.loads(out.stdout)


def run_chromium(p: dict) -> list[dict]:
    from playwright.sync_api import sync_playwright

    files = {"/client.js": bundle_path().read_bytes(), "/bench.mjs": HARNESS.read_bytes(),
             "/index.html": b"<!doctype html><title>bench</title>"}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(f"{ORIGIN}/**", lambda route: route.fulfill(
                status=200, body=files[route.request.url[len(ORIGIN):]],
                content_type="text/html" if route.request.url.endswith(".html")
                else "text/javascript"))
            page.goto(f"{ORIGIN}/index.html")
            return page.evaluate("""async (p) => {
                const client = await import('/client.js');
                const { runBench } = await import('/bench.mjs');
                return runBench(client, p);
            }""", p)
        finally:
            browser.close()


def check_signed(p: dict, election_key: ElectionKey, rows: list[dict]) -> None:
    """The last ballot each side signed verifies in Python (the benchmark times real work)."""
    fingerprint = bytes.fromhex(p["fingerprint"])
    public = derive_credential(p["letter_code"], fingerprint).public
    for row, b in zip(rows, p["ballots"]):
        ballot = ballots.Ballot.from_json(row["last"])
        assert ballot.credential == public
        ballots.verify(election_key, fingerprint, ballot, question=b["question"]["id"],
                       width=b["width"])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3,
                        help="alternating Chromium/Node rounds; each side's best is kept")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    p, election_key = params(args.runs, args.warmup)
    # Rounds alternate the two sides, so that a burst of load on this shared machine falls on
    # both; each side keeps its least disturbed round (the lowest median) per ballot.
    best: dict[str, list[dict]] = {}
    for _ in range(args.rounds):
        for side, run in (("chromium", run_chromium), ("node", run_node)):
            rows = run(p)
            check_signed(p, election_key, rows)
            best[side] = rows if side not in best else [
                min(old, new, key=lambda r: r["median_ms"]) for old, new in zip(best[side], rows)]
    rows = [{"ballot": c["ballot"], "chromium_ms": round(c["median_ms"], 2),
             "node_ms": round(n["median_ms"], 2),
             "ratio": round(c["median_ms"] / n["median_ms"], 2), "width": c["width"],
             "runs": args.runs, "rounds": args.rounds}
            for c, n in zip(best["chromium"], best["node"])]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        for r in rows:
            print(f"{r['ballot']}: Chromium {r['chromium_ms']} ms, Node {r['node_ms']} ms, "
                  f"ratio {r['ratio']} (width {r['width']}, best of {r['rounds']} medians "
                  f"of {r['runs']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
