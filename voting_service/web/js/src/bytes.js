// Byte helpers: strict lowercase hex (as the Python readers accept), concatenation and
// the big-endian integers of the transcript format.
import { DecodingError } from './errors.js';

const HEX = '0123456789abcdef';
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX.charCodeAt(i)] = i;

export function toHex(bytes) {
  let out = '';
  for (let i = 0; i < bytes.length; i++) out += HEX[bytes[i] >> 4] + HEX[bytes[i] & 15];
  return out;
}

/** Lowercase hex to bytes; `length` (bytes) is checked when given. */
export function fromHex(text, length) {
  if (typeof text !== 'string' || text.length % 2) throw new DecodingError('expected lowercase hexadecimal');
  if (length !== undefined && text.length !== 2 * length) {
    throw new DecodingError(`expected ${2 * length} hexadecimal characters`);
  }
  const out = new Uint8Array(text.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = text.charCodeAt(2 * i), lo = text.charCodeAt(2 * i + 1);
    const a = hi < 128 ? HEX_VALUE[hi] : -1, b = lo < 128 ? HEX_VALUE[lo] : -1;
    if (a < 0 || b < 0) throw new DecodingError('expected lowercase hexadecimal');
    out[i] = (a << 4) | b;
  }
  return out;
}

export function concat(...parts) {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

export function u32be(value) {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value, false);
  return out;
}

/** 8 bytes big-endian of a non-negative integer (number or bigint) below 2^64. */
export function u64be(value) {
  const big = BigInt(value);
  if (big < 0n || big >= 1n << 64n) throw new RangeError('transcript integers are unsigned 64-bit');
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigUint64(0, big, false);
  return out;
}

export function bytesToBigLE(bytes) {
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  return value;
}

export function bigToBytesLE(value, length) {
  const out = new Uint8Array(length);
  let v = value;
  for (let i = 0; i < length; i++) { out[i] = Number(v & 0xffn); v >>= 8n; }
  return out;
}

const encoder = new TextEncoder();

/** UTF-8, refusing lone surrogates (Python's str.encode('utf-8') refuses them too). */
export function utf8(text) {
  if (typeof text !== 'string') throw new DecodingError('expected text');
  if (!text.isWellFormed()) throw new DecodingError('text with a lone surrogate has no UTF-8 form');
  return encoder.encode(text);
}

export function isBytes(value) {
  return value instanceof Uint8Array;
}
