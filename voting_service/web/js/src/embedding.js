// Reversible embedding of bytes into points, and exponential encoding (protocol.md §5),
// mirroring crypto/embedding.py. Candidate for 30-byte chunk D and counter k:
// byte 0 = 2·(k mod 128), bytes 1..30 = D, byte 31 = k div 128; the embedded point is the
// valid non-identity candidate with the smallest k. Payloads are padded with 0x80 then
// zeros to 30·width bytes.
import { concat } from './bytes.js';
import { DiscreteLogNotFoundError, EmbeddingError, ParameterError } from './errors.js';
import { GENERATOR, IDENTITY, baseMul, isValidEncoding, mod, pointFromBytes, pointToBytes } from './group.js';

export const BYTES_PER_POINT = 30;
const COUNTERS = 1 << 14;

export function capacity(width) {
  return BYTES_PER_POINT * width - 1;
}

function candidate(chunk, counter) {
  const out = new Uint8Array(32);
  out[0] = 2 * (counter & 0x7f);
  out.set(chunk, 1);
  out[31] = counter >> 7;
  return out;
}

export function embedChunk(chunk) {
  if (chunk.length !== BYTES_PER_POINT) throw new ParameterError('a chunk is exactly 30 bytes');
  for (let counter = 0; counter < COUNTERS; counter++) {
    const c = candidate(chunk, counter);
    if (isValidEncoding(c)) return pointFromBytes(c);
  }
  throw new EmbeddingError('no counter embeds this chunk');
}

export function extractChunk(point) {
  const enc = pointToBytes(point);
  if (enc[0] & 1 || enc[31] & 0x80 || point.is0()) throw new EmbeddingError('not an embedded point');
  const chunk = enc.slice(1, 31);
  const counter = (enc[0] >> 1) | (enc[31] << 7);
  for (let smaller = 0; smaller < counter; smaller++) {
    if (isValidEncoding(candidate(chunk, smaller))) throw new EmbeddingError('not the canonical embedding of its payload');
  }
  return chunk;
}

/** Pad `payload` to 30·width bytes and embed it into exactly `width` points. */
export function embedBytes(payload, width) {
  if (!Number.isInteger(width) || width < 1) throw new ParameterError('width must be at least 1');
  if (payload.length > capacity(width)) {
    throw new EmbeddingError(`payload of ${payload.length} bytes exceeds ${capacity(width)} bytes`);
  }
  const padded = new Uint8Array(BYTES_PER_POINT * width);
  padded.set(payload);
  padded[payload.length] = 0x80;
  const points = [];
  for (let i = 0; i < padded.length; i += BYTES_PER_POINT) points.push(embedChunk(padded.subarray(i, i + BYTES_PER_POINT)));
  return points;
}

/** Inverse of embedBytes; EmbeddingError on anything it could not have produced. */
export function extractBytes(points) {
  const padded = concat(...points.map(extractChunk));
  let end = padded.length;
  while (end > 0 && padded[end - 1] === 0) end--;
  if (end === 0 || padded[end - 1] !== 0x80) throw new EmbeddingError('payload padding is malformed');
  return padded.slice(0, end - 1);
}

/** Exponential encoding m·G (the identity for m = 0). */
export function encodeInt(value) {
  const v = BigInt(value);
  if (v < 0n) throw new ParameterError('exponential encoding takes non-negative integers');
  return baseMul(mod(v));
}

/** The m in [0, bound] with m·G = point (baby-step giant-step). */
export function decodeInt(point, bound) {
  if (bound < 0) throw new ParameterError('bound must be non-negative');
  const step = Math.floor(Math.sqrt(bound)) + 1;
  const baby = new Map();
  let current = IDENTITY;
  for (let j = 0; j < step; j++) {
    const key = current.toHex();
    if (!baby.has(key)) baby.set(key, j);
    current = current.add(GENERATOR);
  }
  const giant = baseMul(BigInt(step)).negate();
  let target = point;
  for (let i = 0; i <= step; i++) {
    const j = baby.get(target.toHex());
    if (j !== undefined && i * step + j <= bound) return i * step + j;
    target = target.add(giant);
  }
  throw new DiscreteLogNotFoundError(`no exponent in [0, ${bound}]`);
}
