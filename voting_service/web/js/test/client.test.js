// The public API of the voter client (src/voter-client.js), exercised through the built
// bundle as the pages load it, against the vectors Python wrote.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ed25519FromSeed } from './support/builders.js';
import { loadVector } from './support/vectors.js';

const STATIC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'static', 'js');
const manifest = JSON.parse(readFileSync(join(STATIC, 'manifest.json'), 'utf8'));
const client = await import(pathToFileURL(join(STATIC, manifest['voter-client.js'].file)).href);
const fromHex = (text) => Uint8Array.from(Buffer.from(text, 'hex'));

/** A source that hands out the 64-byte draws a vector lists, in order, then refuses. */
function replay(...hexDraws) {
  const draws = hexDraws.map(fromHex);
  return (n) => {
    const next = draws.shift();
    assert.ok(next && next.length === n, `unexpected draw of ${n} bytes`);
    return next;
  };
}

const ballotVector = loadVector('ballot');
const [onlineCase, kioskCase] = ballotVector.cases;

test('deriveCredential gives the login token and public credential of credential.json, never the secret', () => {
  const v = loadVector('credential');
  for (const c of v.codes) {
    const credential = client.deriveCredential(c.typed, v.election);
    assert.equal(credential.loginToken, c.login_token);
    assert.equal(credential.publicCredential, c.public_credential);
    assert.equal(client.publicCredentialFromCode(c.printed, v.election), c.public_credential);
    const shown = JSON.stringify(credential) + JSON.stringify(Object.entries(credential)) + String(credential);
    assert.ok(!shown.includes(c.secret) && !shown.includes(c.normalised), 'the secret or the code leaked');
    assert.deepEqual(JSON.parse(JSON.stringify(credential)), { publicCredential: c.public_credential });
  }
  assert.equal(client.deriveCredential(v.separated.typed, v.election).publicCredential, v.codes[0].public_credential);
  for (const r of v.rejected) {
    assert.throws(() => client.deriveCredential(r.typed, v.election), (e) => {
      assert.ok(e instanceof client.LetterCodeError);
      assert.equal(e.code, r.error === 'checksum' ? 'letter_code_checksum' : 'letter_code_format');
      return true;
    }, r.typed);
  }
  assert.throws(() => client.deriveCredential(v.codes[0].printed, 'A1'.repeat(32)), { code: 'decoding_error' });
});

test('prepareBallot and sign reproduce the online ballot of ballot.json', () => {
  const credential = client.deriveCredential(ballotVector.letter_code, ballotVector.election);
  const prepared = client.prepareBallot({
    fingerprint: ballotVector.election, publicKey: ballotVector.public_key, question: onlineCase.question,
    plaintext: fromHex(onlineCase.plaintext), width: onlineCase.width, credential,
    rng: replay(onlineCase.randomness_nonce_random, onlineCase.proof_nonce_random, onlineCase.signature_nonce_random),
  });
  assert.equal(prepared.tracker, onlineCase.tracker);
  assert.deepEqual(Array.from(prepared.plaintext()), Array.from(fromHex(onlineCase.plaintext)));
  assert.ok(!JSON.stringify(prepared).includes(onlineCase.randomness[0]), 'the opening leaked');
  assert.deepEqual(prepared.sign(), onlineCase.ballot);
  assert.throws(() => prepared.sign(), { code: 'invalid_parameter' });
  assert.throws(() => prepared.challenge(), { code: 'invalid_parameter' });
  assert.equal(client.ballotTracker(ballotVector.election, onlineCase.ballot), onlineCase.tracker);
});

test('a challenged ballot gives its opening, and can then never be signed', () => {
  const credential = client.deriveCredential(ballotVector.letter_code, ballotVector.election);
  const prepared = client.prepareBallot({
    fingerprint: ballotVector.election, publicKey: ballotVector.public_key, question: onlineCase.question,
    plaintext: fromHex(onlineCase.plaintext), width: onlineCase.width, credential,
    rng: replay(onlineCase.randomness_nonce_random, onlineCase.proof_nonce_random),
  });
  const { ballot, opening } = prepared.challenge();
  assert.deepEqual(ballot, { ...onlineCase.ballot, signature: null });
  assert.deepEqual(opening, onlineCase.opening);
  assert.throws(() => prepared.sign(), /challenged/);
  const plaintext = client.openBallot(ballotVector.public_key, ballot, opening, onlineCase.width);
  assert.equal(Buffer.from(plaintext).toString('hex'), onlineCase.plaintext);
});

test('prepareKioskBallot and a WebCrypto Ed25519 key reproduce the kiosk ballot of ballot.json', async () => {
  const key = await ed25519FromSeed(fromHex(kioskCase.kiosk_private_seed));
  const prepared = client.prepareKioskBallot({
    fingerprint: ballotVector.election, publicKey: ballotVector.public_key, question: kioskCase.question,
    plaintext: fromHex(kioskCase.plaintext), width: kioskCase.width, credential: ballotVector.credential,
    checkin: kioskCase.ballot.checkin, rng: replay(kioskCase.randomness_nonce_random, kioskCase.proof_nonce_random),
  });
  assert.equal(prepared.tracker, kioskCase.tracker);
  assert.deepEqual(await prepared.sign(key.privateKey), kioskCase.ballot);
  await client.verifyBallot({
    fingerprint: ballotVector.election, publicKey: ballotVector.public_key, ballot: kioskCase.ballot,
    question: kioskCase.question, width: kioskCase.width, kioskKey: kioskCase.kiosk_public_key,
  });
});

test('fresh randomness gives a different ballot that still verifies; a kiosk key made here signs', async () => {
  const credential = client.deriveCredential(ballotVector.letter_code, ballotVector.election);
  const args = {
    fingerprint: ballotVector.election, publicKey: ballotVector.public_key, question: onlineCase.question,
    plaintext: fromHex(onlineCase.plaintext), width: onlineCase.width, credential, seq: 2, prev: onlineCase.tracker,
  };
  const first = client.prepareBallot(args), second = client.prepareBallot(args);
  assert.notEqual(first.tracker, second.tracker);
  const signed = first.sign();
  assert.equal(signed.seq, 2);
  assert.equal(signed.prev, onlineCase.tracker);
  await client.verifyBallot({ ...args, ballot: signed, question: onlineCase.question, width: onlineCase.width });
  await assert.rejects(client.verifyBallot({ ...args, ballot: signed, question: 'quartier-sud', width: 2 }), { code: 'bad_proof' });

  const pair = await client.generateKioskKey();
  const kioskKey = await client.exportKioskPublicKey(pair.publicKey);
  assert.match(kioskKey, /^[0-9a-f]{64}$/);
  const kiosk = client.prepareKioskBallot({ ...args, credential: ballotVector.credential, checkin: 'ab'.repeat(32) });
  const kioskBallot = await kiosk.sign(pair.privateKey);
  await client.verifyBallot({ ...args, ballot: kioskBallot, kioskKey });
  await assert.rejects(client.verifyBallot({ ...args, ballot: kioskBallot, kioskKey: kioskCase.kiosk_public_key }), { code: 'bad_signature' });
});

test('the manifest fingerprint is that of manifest.json', () => {
  const v = loadVector('manifest');
  assert.equal(client.manifestFingerprint(v.manifest), v.fingerprint);
  assert.equal(client.canonicalText(v.manifest), v.canonical);
  assert.throws(() => client.canonicalText({ amount: 1.5 }), TypeError);
});
