// negative.json: every case is refused here with the error code (and the culprit) Python
// gives: by the client's code for what a voter's device meets (signatures, ballots, range
// proofs), by the trustee-side mirror of the tests (test/support/trustee.js) for the rest.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex } from '../src/bytes.js';
import * as ballots from '../src/ballot.js';
import { ciphertextFromJSON } from '../src/elgamal.js';
import * as disjunctive from '../src/disjunctive.js';
import { CryptoError } from '../src/errors.js';
import { pointFromHex } from '../src/group.js';
import * as signature from '../src/signature.js';
import * as T from './support/trustee.js';
import { loadVector } from './support/vectors.js';
import { vectorFromJSON } from '../src/elgamal.js';

const CLIENT_KINDS = {
  async signature(c) {
    signature.verify(fromHex(c.election), pointFromHex(c.public_key), fromHex(c.message), signature.signatureFromJSON(c.signature));
  },
  async ballot(c) {
    await ballots.verify(pointFromHex(c.public_key), fromHex(c.election), ballots.ballotFromJSON(c.ballot), {
      question: c.question, width: c.width, kioskKey: c.kiosk_key ? fromHex(c.kiosk_key) : null,
    });
  },
  async range_proof(c) {
    disjunctive.verify(fromHex(c.election), pointFromHex(c.public_key), pointFromHex(c.credential),
      ciphertextFromJSON(c.ciphertext), disjunctive.rangeProofFromJSON(c.proof), c.maximum);
  },
};

const TRUSTEE_KINDS = {
  async partial_decryption(c) {
    T.verifyPartialDecryption(T.electionKeyFromJSON(c.election_key), fromHex(c.election),
      c.ciphertexts.map((v) => vectorFromJSON(v)), T.partialFromJSON(c.partial_decryption));
  },
  async election_key(c) {
    T.electionKeyFromJSON(c.election_key);
  },
  async announcements(c) {
    T.electionKey(c.announcements.map(T.announcementFromJSON), c.threshold, c.count, fromHex(c.election), c.identity_keys.map((k) => pointFromHex(k)));
  },
  async envelope(c) {
    const announcements = c.announcements.map(T.announcementFromJSON);
    const share = T.shareFromJSON(c.envelope);
    T.verifyShareSignature(share, announcements[share.dealer - 1], c.threshold, c.count, fromHex(c.election),
      c.identity_keys.map((k) => pointFromHex(k)), announcements[share.recipient - 1].transportKey);
  },
  async shuffle(c) {
    T.verifyShuffle(fromHex(c.election), pointFromHex(c.public_key), c.inputs.map((v) => vectorFromJSON(v)),
      c.outputs.map((v) => vectorFromJSON(v)), T.shuffleProofFromJSON(c.proof));
  },
};

const KINDS = { ...CLIENT_KINDS, ...TRUSTEE_KINDS };
const cases = loadVector('negative').cases;

test('every kind of negative.json is tried', () => {
  assert.deepEqual(new Set(cases.map((c) => c.kind)), new Set(Object.keys(KINDS)));
  assert.equal(cases.filter((c) => c.kind in CLIENT_KINDS).length, 13);
});

for (const c of cases) {
  test(`${c.kind}: ${c.reason} → ${c.code}`, async () => {
    await assert.rejects(KINDS[c.kind](c), (error) => {
      assert.ok(error instanceof CryptoError, String(error));
      assert.equal(error.code, c.code, String(error));
      if ('dealer' in c) assert.equal(error.dealer, c.dealer);
      if ('trustee' in c) assert.deepEqual([error.trustee, error.position], [c.trustee, c.position]);
      return true;
    });
  });
}

test('the positive counterparts verify (the refusals are not from a broken verifier)', async () => {
  const b = loadVector('ballot');
  for (const c of b.cases) {
    await ballots.verify(pointFromHex(b.public_key), fromHex(b.election), ballots.ballotFromJSON(c.ballot, c.width), {
      question: c.question, width: c.width, kioskKey: c.signer === 'kiosk' ? fromHex(c.kiosk_public_key) : null,
    });
    assert.equal(Buffer.from(ballots.openBallot(pointFromHex(b.public_key), ballots.ballotFromJSON(c.ballot), ballots.openingFromJSON(c.opening))).toString('hex'), c.plaintext);
  }
  const s = loadVector('signature');
  signature.verify(fromHex(s.election), pointFromHex(s.public_key), fromHex(s.message), signature.signatureFromJSON(s.signature));
  const ceremony = loadVector('ceremony');
  const key = T.electionKeyFromJSON(ceremony.election_key);
  const announcements = ceremony.announcements.map(T.announcementFromJSON);
  const identityKeys = ceremony.identity_keys.map((k) => pointFromHex(k));
  assert.equal(T.electionKey(announcements, 2, 3, fromHex(ceremony.election), identityKeys).publicKey.toHex(), ceremony.election_key.public_key);
  for (const e of ceremony.encrypted_shares.map(T.shareFromJSON)) {
    T.verifyShareSignature(e, announcements[e.dealer - 1], 2, 3, fromHex(ceremony.election), identityKeys, announcements[e.recipient - 1].transportKey);
  }
  const cts = ceremony.ciphertexts.map((v) => vectorFromJSON(v));
  for (const p of ceremony.partial_decryptions) T.verifyPartialDecryption(key, fromHex(ceremony.election), cts, T.partialFromJSON(p));
  const mix = loadVector('shuffle');
  T.verifyShuffle(fromHex(mix.election), pointFromHex(mix.public_key), mix.inputs.map((v) => vectorFromJSON(v)),
    mix.outputs.map((v) => vectorFromJSON(v)), T.shuffleProofFromJSON(mix.proof));
  const r = loadVector('range_proof');
  for (const c of r.cases) {
    disjunctive.verify(fromHex(r.election), pointFromHex(r.public_key), pointFromHex(r.credential),
      ciphertextFromJSON(c.ciphertext), disjunctive.rangeProofFromJSON(c.proof), c.maximum);
  }
});

test('group.json: every listed invalid point and scalar is refused with its code', async () => {
  const { pointFromHex: decode, scalarFromHex } = await import('../src/group.js');
  const g = loadVector('group');
  for (const p of g.invalid_points) {
    assert.throws(() => decode(p.encoding), (e) => {
      assert.equal(e.code, p.encoding === '00'.repeat(32) ? 'identity_point' : 'invalid_point', p.reason);
      return true;
    });
  }
  for (const s of g.invalid_scalars) assert.throws(() => scalarFromHex(s), { code: 'non_canonical_scalar' });
  assert.throws(() => decode('AB'.repeat(32)), { code: 'decoding_error' });
  assert.throws(() => decode('ab'.repeat(31)), { code: 'decoding_error' });
});
