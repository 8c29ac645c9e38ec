// tests/vectors/record/: the scenario rebuilt in JavaScript (key ceremony, voters, online and
// kiosk ballots, a challenged ballot, check-in, reissue, signed heads, witness) gives
// record.json, ballot_v2.json and negative.json byte for byte and the members of
// record.zip; the JavaScript verifier's report equals Python's, and it refuses every
// negative record at the same check and event.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import * as builders from './support/builders_record.js';
import { readVectorText, render, VECTORS } from './support/vectors.js';
import { readZip } from './support/zip.js';

let world;
before(async () => { world = await builders.buildWorld(); });

test('record/record.json is reproduced byte for byte (the verifier report included)', async () => {
  assert.equal(render(await builders.recordVectors(world)), readVectorText('record/record'));
});

test('record/ballot_v2.json is reproduced byte for byte', async () => {
  assert.equal(render(await builders.ballotV2Vectors(world)), readVectorText('record/ballot_v2'));
});

test('the members of record/record.zip are reproduced byte for byte', () => {
  const stored = readZip(join(VECTORS, 'record', 'record.zip'));
  const built = builders.zipMembers(world);
  assert.deepEqual(Object.keys(stored).sort(), Object.keys(built).sort());
  for (const [name, bytes] of Object.entries(built)) assert.ok(bytes.equals(stored[name]), name);
});

test('record/negative.json is reproduced byte for byte, each record refused where Python refuses it', async () => {
  // Last: the negative cases add ballots to the scenario.
  assert.equal(render(await builders.negativeVectors(world)), readVectorText('record/negative'));
});
