// Randomness sources: the system CSPRNG (crypto.getRandomValues, in browsers and Node)
// and, for test vectors only, the SeededRng of crypto/rng.py: SHA-512(seed || counter)
// for counter = 0, 1, … (8 bytes BE), read in order.
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, u64be, utf8 } from './bytes.js';

/** The production source: n bytes from the platform CSPRNG. */
export function systemRng(n) {
  const out = new Uint8Array(n);
  // getRandomValues fills at most 65536 bytes a call.
  for (let at = 0; at < n; at += 65536) globalThis.crypto.getRandomValues(out.subarray(at, Math.min(n, at + 65536)));
  return out;
}

/** Deterministic stream for tests and vectors. Never for production. */
export function seededRng(seed) {
  const seedBytes = typeof seed === 'string' ? utf8(seed) : Uint8Array.from(seed);
  let counter = 0;
  let buffer = new Uint8Array(0);
  return (n) => {
    while (buffer.length < n) {
      buffer = concat(buffer, sha512(concat(seedBytes, u64be(counter))));
      counter += 1;
    }
    const out = buffer.slice(0, n);
    buffer = buffer.slice(n);
    return out;
  };
}

/** Wraps a source and remembers every draw (the vectors list what the prover drew). */
export function recordingRng(rng) {
  const draws = [];
  const wrapped = (n) => {
    const out = rng(n);
    draws.push(out);
    return out;
  };
  wrapped.draws = draws;
  return wrapped;
}
