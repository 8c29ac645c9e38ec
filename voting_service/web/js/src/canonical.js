// Canonical JSON (record/canonical.py): UTF-8, object keys sorted by code point, no
// insignificant white space, strings escaped as json.dumps(ensure_ascii=False) does;
// only objects, arrays, strings, integers, booleans and null (floats are refused).
// The election fingerprint is SHA-256 of the manifest's canonical bytes, so the device
// can check the manifest it shows against the fingerprint it encrypts for.
import { sha256 } from '@noble/hashes/sha2.js';
import { toHex, utf8 } from './bytes.js';

function compareCodePoints(a, b) {
  // JavaScript's default sort compares UTF-16 units; Python sorts by code point.
  const ia = a[Symbol.iterator](), ib = b[Symbol.iterator]();
  for (;;) {
    const x = ia.next(), y = ib.next();
    if (x.done || y.done) return x.done === y.done ? 0 : (x.done ? -1 : 1);
    const cx = x.value.codePointAt(0), cy = y.value.codePointAt(0);
    if (cx !== cy) return cx - cy;
  }
}

function encode(value, path) {
  if (value === null) return 'null';
  if (value === true) return 'true';
  if (value === false) return 'false';
  if (typeof value === 'string') {
    if (!value.isWellFormed()) throw new TypeError(`${path}: a string with a lone surrogate has no UTF-8 form`);
    return JSON.stringify(value);
  }
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new TypeError(`${path}: only integers have a canonical form here`);
    return String(value);
  }
  if (Array.isArray(value)) return `[${value.map((v, i) => encode(v, `${path}[${i}]`)).join(',')}]`;
  if (typeof value === 'object') {
    const keys = Object.keys(value).sort(compareCodePoints);
    return `{${keys.map((k) => `${encode(k, path)}:${encode(value[k], `${path}.${k}`)}`).join(',')}}`;
  }
  throw new TypeError(`${path}: ${typeof value} has no canonical form`);
}

export function canonicalText(value) {
  return encode(value, '$');
}

export function canonicalBytes(value) {
  return utf8(canonicalText(value));
}

/** SHA-256 (hex) of the canonical bytes: the election fingerprint of a manifest. */
export function digest(value) {
  return toHex(sha256(canonicalBytes(value)));
}
