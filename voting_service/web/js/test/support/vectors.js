// Reading and rendering the Python test vectors (tests/vectors/), and the byte-level
// references the generators use (items written out, hedged nonce blocks, RFC 9496
// decoding step by step), so that the Node tests rebuild every file as Python does.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, fromHex, u32be, u64be, utf8 } from '../../src/bytes.js';

export const VECTORS = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', '..', 'tests', 'vectors');

export function readVectorText(name) {
  return readFileSync(join(VECTORS, `${name}.json`), 'utf8');
}

export function loadVector(name) {
  return JSON.parse(readVectorText(name));
}

/** json.dumps(value, indent=2, ensure_ascii=False) + "\n", for insertion-ordered objects. */
export function render(value) {
  return `${JSON.stringify(value, null, 2)}\n`;
}

export function item(tag, label, value) {
  const l = utf8(label);
  return concat(Uint8Array.of(tag), u32be(l.length), l, u64be(value.length), value);
}

export const items = (...list) => concat(...list.map(([tag, label, value]) => item(tag, label, value)));

export function output(transcript, label, index = 0) {
  return sha512(concat(transcript, item(0x10, label, u64be(index))));
}

/** output(N, "nonce", index) of protocol.md §6.6, written out item by item. */
export function nonceStreamBlock(random, secrets, statement, index) {
  const raw = concat(item(1, 'domain', utf8('voting_service/v1/nonce')), item(2, 'random', random),
    item(8, 'secret', concat(...secrets)), item(2, 'statement', statement));
  return sha512(concat(raw, item(0x10, 'nonce', u64be(index))));
}

export const hex = (text) => fromHex(text);

// --- RFC 9496 §4.3.1, step by step (the reasons the group vector lists) ---------------------

const P = 2n ** 255n - 19n;
const modP = (x) => ((x % P) + P) % P;

function powMod(base, exponent) {
  let result = 1n, b = modP(base), e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return result;
}

const D = modP(-121665n * powMod(121666n, P - 2n));
const SQRT_M1 = powMod(2n, (P - 1n) / 4n);
const negative = (x) => modP(x) % 2n === 1n;

function sqrtRatioM1(u, v) {
  let r = modP(u * powMod(v, 3n) * powMod(u * powMod(v, 7n), (P - 5n) / 8n));
  const check = modP(v * r * r);
  const correct = check === modP(u), flipped = check === modP(-u), flippedI = check === modP(-u * SQRT_M1);
  if (flipped || flippedI) r = modP(r * SQRT_M1);
  if (negative(r)) r = P - r;
  return [correct || flipped, r];
}

export function ristrettoDecodeFailure(encoding) {
  let s = 0n;
  for (let i = 31; i >= 0; i--) s = (s << 8n) | BigInt(encoding[i]);
  if (s >= P) return s < 2n ** 255n ? 's >= p (non-canonical)' : 'top bit set';
  if (negative(s)) return 's negative (odd)';
  const ss = modP(s * s);
  const u1 = modP(1n - ss), u2 = modP(1n + ss);
  const u2Sqr = modP(u2 * u2);
  const v = modP(-(D * u1 * u1) - u2Sqr);
  const [wasSquare, invsqrt] = sqrtRatioM1(1n, modP(v * u2Sqr));
  const denX = modP(invsqrt * u2);
  const denY = modP(invsqrt * denX * v);
  let x = modP(2n * s * denX);
  if (negative(x)) x = P - x;
  const y = modP(u1 * denY);
  if (!wasSquare) return 'not a square (no square root)';
  if (negative(modP(x * y))) return 't negative';
  if (y === 0n) return 'y = 0';
  return null;
}

export { P };
