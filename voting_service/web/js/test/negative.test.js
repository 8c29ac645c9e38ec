// negative.json: every case the voter's client can meet (signatures, ballots, range proofs)
// is refused here with the error code Python gives.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromHex } from '../src/bytes.js';
import * as ballots from '../src/ballot.js';
import { ciphertextFromJSON } from '../src/elgamal.js';
import * as disjunctive from '../src/disjunctive.js';
import { CryptoError } from '../src/errors.js';
import { pointFromHex } from '../src/group.js';
import * as signature from '../src/signature.js';
import { loadVector } from './support/vectors.js';

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

const cases = loadVector('negative').cases.filter((c) => c.kind in CLIENT_KINDS);

test('the client meets every kind it should', () => {
  assert.deepEqual(new Set(cases.map((c) => c.kind)), new Set(Object.keys(CLIENT_KINDS)));
  assert.ok(cases.length >= 13);
});

for (const c of cases) {
  test(`${c.kind}: ${c.reason} → ${c.code}`, async () => {
    await assert.rejects(CLIENT_KINDS[c.kind](c), (error) => {
      assert.ok(error instanceof CryptoError, String(error));
      assert.equal(error.code, c.code, String(error));
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
