// Every client-side file of tests/vectors/ rebuilt in JavaScript from the same seeds and
// compared byte for byte with what Python wrote.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as builders from './support/builders.js';
import * as trustee from './support/builders_trustee.js';
import { readVectorText, render } from './support/vectors.js';

const FILES = {
  group: builders.groupVectors,
  transcript: builders.transcriptVectors,
  embedding: builders.embeddingVectors,
  elgamal: builders.elgamalVectors,
  credential: builders.credentialVectors,
  signature: builders.signatureVectors,
  ballot: builders.ballotVectors,
  range_proof: builders.rangeProofVectors,
  manifest: builders.manifestVectors,
};

for (const [name, build] of Object.entries(FILES)) {
  test(`${name}.json is reproduced byte for byte`, async () => {
    assert.equal(render(await build()), readVectorText(name));
  });
}

// The trustees' files, rebuilt with the trustee-side mirror (test/support/trustee.js).
const TRUSTEE_FILES = {
  ceremony: trustee.ceremonyVectors,
  shuffle: trustee.shuffleVectors,
  negative: trustee.negativeVectors,
};

for (const [name, build] of Object.entries(TRUSTEE_FILES)) {
  test(`${name}.json is reproduced byte for byte`, async () => {
    assert.equal(render(await build()), readVectorText(name));
  });
}

test('every file of tests/vectors/ is rebuilt by a Node test', async () => {
  const { readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { VECTORS } = await import('./support/vectors.js');
  const files = [];
  const walk = (dir, prefix) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name), `${prefix}${entry.name}/`);
      else if (!entry.name.endsWith('.py')) files.push(`${prefix}${entry.name}`);
    }
  };
  walk(VECTORS, '');
  // record/*: test/record.test.js (record.zip: its members, the normative part).
  const rebuilt = [...Object.keys(FILES), ...Object.keys(TRUSTEE_FILES)].map((n) => `${n}.json`)
    .concat(['record/record.json', 'record/ballot_v2.json', 'record/negative.json', 'record/record.zip']);
  assert.deepEqual(files.sort(), rebuilt.sort());
});
