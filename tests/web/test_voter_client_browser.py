"""The voter client bundle in Debian's Chromium (Playwright, executable_path; never a
downloaded browser): the same bytes as Python for the vectors' ballots, online and kiosk
(Chromium's own WebCrypto Ed25519), and fresh ballots that the Python verifier accepts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from voting_service.crypto import ballot as ballots
from voting_service.crypto.dkg import ElectionKey
from voting_service.web.assets import STATIC_JS, manifest

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("VOTING_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
ORIGIN = "http://localhost:9"   # a secure context (WebCrypto), served by page.route only
VECTORS = Path(__file__).resolve().parents[1] / "vectors"

# Runs in the page: the vector's ballots rebuilt from its listed draws, and a fresh pair.
SCRIPT = """async (v) => {
  const client = await import('/client.js');
  const hex = (t) => Uint8Array.from(t.match(/../g), (h) => parseInt(h, 16));
  const replay = (...draws) => (n) => {
    const next = draws.shift();
    if (!next || next.length !== 2 * n) throw new Error('unexpected draw');
    return hex(next);
  };
  const [online, kiosk] = v.cases;
  const credential = client.deriveCredential(v.letter_code, v.election);
  const common = {fingerprint: v.election, publicKey: v.public_key};
  const prepared = client.prepareBallot({...common, question: online.question,
    plaintext: hex(online.plaintext), width: online.width, credential,
    rng: replay(online.randomness_nonce_random, online.proof_nonce_random,
                online.signature_nonce_random)});
  const pkcs8 = new Uint8Array([...hex('302e020100300506032b657004220420'),
                                ...hex(kiosk.kiosk_private_seed)]);
  const key = await crypto.subtle.importKey('pkcs8', pkcs8, {name: 'Ed25519'}, false, ['sign']);
  const kioskPrepared = client.prepareKioskBallot({...common, question: kiosk.question,
    plaintext: hex(kiosk.plaintext), width: kiosk.width, credential: v.credential,
    checkin: kiosk.ballot.checkin,
    rng: replay(kiosk.randomness_nonce_random, kiosk.proof_nonce_random)});
  const fresh = client.prepareBallot({...common, question: online.question,
    plaintext: hex(online.plaintext), width: online.width, credential, seq: 2,
    prev: online.tracker});
  const pair = await client.generateKioskKey();
  const freshKiosk = client.prepareKioskBallot({...common, question: kiosk.question,
    plaintext: hex(kiosk.plaintext), width: kiosk.width, credential: v.credential,
    checkin: 'cd'.repeat(32)});
  let refused = null;
  try {
    client.deriveCredential(v.letter_code.slice(0, -1) + (v.letter_code.endsWith('2') ? '3' : '2'), v.election);
  } catch (e) { refused = e.code; }
  return {
    loginToken: credential.loginToken, publicCredential: credential.publicCredential,
    onlineTracker: prepared.tracker, online: prepared.sign(),
    kioskTracker: kioskPrepared.tracker, kiosk: await kioskPrepared.sign(key),
    fresh: fresh.sign(), freshTracker: fresh.tracker,
    freshKiosk: await freshKiosk.sign(pair.privateKey),
    freshKioskKey: await client.exportKioskPublicKey(pair.publicKey),
    refused,
  };
}"""


@pytest.fixture(scope="module")
def page_result():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    bundle = (STATIC_JS / manifest()["voter-client.js"]["file"]).read_bytes()
    vector = json.loads((VECTORS / "ballot.json").read_text(encoding="utf-8"))
    files = {"/client.js": (bundle, "text/javascript"),
             "/index.html": (b"<!doctype html><title>client</title>", "text/html")}
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.route(f"{ORIGIN}/**", lambda route: route.fulfill(
                status=200, body=files[route.request.url[len(ORIGIN):]][0],
                content_type=files[route.request.url[len(ORIGIN):]][1]))
            page.goto(f"{ORIGIN}/index.html")
            return vector, page.evaluate(SCRIPT, vector)
        finally:
            browser.close()


def test_chromium_reproduces_the_vector_ballots(page_result):
    vector, got = page_result
    online, kiosk = vector["cases"]
    assert got["publicCredential"] == vector["credential"]
    assert got["online"] == online["ballot"] and got["onlineTracker"] == online["tracker"]
    assert got["kiosk"] == kiosk["ballot"] and got["kioskTracker"] == kiosk["tracker"]
    assert got["refused"] in ("letter_code_checksum", "letter_code_format")


def test_fresh_chromium_ballots_pass_the_python_verifier(page_result):
    vector, got = page_result
    online, kiosk = vector["cases"]
    election = bytes.fromhex(vector["election"])
    key = ElectionKey.from_json(vector["election_key"])
    fresh = ballots.Ballot.from_json(got["fresh"])
    assert fresh.seq == 2 and fresh.prev.hex() == online["tracker"]
    assert fresh.to_json() != online["ballot"]
    ballots.verify(key, election, fresh, question=online["question"], width=online["width"])
    assert ballots.tracker(election, fresh).hex() == got["freshTracker"]
    fresh_kiosk = ballots.Ballot.from_json(got["freshKiosk"])
    ballots.verify(key, election, fresh_kiosk, question=kiosk["question"], width=kiosk["width"],
                   kiosk_key=bytes.fromhex(got["freshKioskKey"]))
