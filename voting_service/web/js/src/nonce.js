// Hedged nonces (protocol.md §6.6), mirroring crypto/nonce.py: every prover reads its
// random values from the stream output(N, "nonce", 0) ‖ output(N, "nonce", 1) ‖ … where
// N = T("nonce")[bytes random = 64 fresh bytes, scalars secret = the witnesses,
// bytes statement = output(S, "nonce", 0)] and S is the proof's statement transcript.
import { concat } from './bytes.js';
import { systemRng } from './rng.js';
import { Transcript } from './transcript.js';

export const RANDOM_BYTES = 64;

export function nonceStream(transcript) {
  let index = 0;
  let buffer = new Uint8Array(0);
  return (n) => {
    while (buffer.length < n) {
      buffer = concat(buffer, transcript.output('nonce', index));
      index += 1;
    }
    const out = buffer.slice(0, n);
    buffer = buffer.slice(n);
    return out;
  };
}

/** The prover's random stream for `statement` (left unchanged) and witnesses `secrets`. */
export function hedged(rng, statement, secrets) {
  const random = (rng || systemRng)(RANDOM_BYTES);
  const n = new Transcript('nonce').bytes('random', random).scalars('secret', secrets);
  return nonceStream(n.bytes('statement', statement.output('nonce')));
}
