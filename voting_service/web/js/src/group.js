// The ristretto255 group (RFC 9496) through @noble/curves, mirroring crypto/group.py.
//
// Points are @noble/curves RistrettoPoint objects; scalars are bigints in [0, ℓ).
// Everything decoded from outside goes through `pointFromBytes` / `scalarFromBytes`,
// which validate as the Python side does:
//  * a point is exactly 32 bytes and the canonical RFC 9496 encoding of an element
//    (noble refuses s >= p, negative s, non-squares, negative t and y = 0; s >= 2^255 is
//    non-canonical too); the identity is refused unless the caller allows it;
//  * a scalar is exactly 32 bytes, little-endian, and below ℓ (never reduced).
// Multiplication by a secret uses noble's constant-time `multiply`; zero scalars and the
// identity are answered here (noble refuses 0), as group.py does around libsodium.
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bigToBytesLE, bytesToBigLE, fromHex, toHex } from './bytes.js';
import { DecodingError, IdentityPointError, InvalidPointError, NonCanonicalScalarError } from './errors.js';

const RistrettoPoint = ristretto255.Point;

/** ℓ, the order of the ristretto255 group. */
export const ORDER = 2n ** 252n + 27742317777372353535851937790883648493n;
export const GENERATOR = RistrettoPoint.BASE;
export const IDENTITY = RistrettoPoint.ZERO;

// --- scalars ---------------------------------------------------------------------------

export function mod(value) {
  const r = value % ORDER;
  return r < 0n ? r + ORDER : r;
}

export const add = (a, b) => mod(a + b);
export const sub = (a, b) => mod(a - b);
export const mul = (a, b) => mod(a * b);
export const neg = (a) => mod(-a);

export function inverse(a) {
  if (a === 0n) throw new RangeError('zero has no inverse modulo ℓ');
  // Fermat: a^(ℓ-2) mod ℓ.
  let result = 1n, base = mod(a), e = ORDER - 2n;
  while (e > 0n) {
    if (e & 1n) result = (result * base) % ORDER;
    base = (base * base) % ORDER;
    e >>= 1n;
  }
  return result;
}

export function scalarToBytes(s) {
  return bigToBytesLE(s, 32);
}

export const scalarHex = (s) => toHex(scalarToBytes(s));

/** A canonical 32-byte little-endian scalar; values >= ℓ are refused, not reduced. */
export function scalarFromBytes(data) {
  if (!(data instanceof Uint8Array) || data.length !== 32) throw new DecodingError('a scalar is exactly 32 bytes');
  const value = bytesToBigLE(data);
  if (value >= ORDER) throw new NonCanonicalScalarError('scalar encoding is not below the group order');
  return value;
}

export const scalarFromHex = (text) => scalarFromBytes(fromHex(text, 32));

/** Wide reduction: 64 bytes, little-endian, reduced modulo ℓ (hash to scalar). */
export function scalarFromWide(data) {
  if (data.length !== 64) throw new DecodingError('wide reduction takes exactly 64 bytes');
  return bytesToBigLE(data) % ORDER;
}

export function randomScalar(rng) {
  return scalarFromWide(rng(64));
}

export function randomNonzeroScalar(rng) {
  for (;;) {
    const s = randomScalar(rng);
    if (s !== 0n) return s;
  }
}

// --- points ----------------------------------------------------------------------------

const IDENTITY_BYTES = new Uint8Array(32);

function isZeroBytes(data) {
  let acc = 0;
  for (let i = 0; i < data.length; i++) acc |= data[i];
  return acc === 0;
}

/** Decode and validate 32 bytes; the identity is refused unless `allowIdentity`. */
export function pointFromBytes(data, { allowIdentity = false } = {}) {
  if (!(data instanceof Uint8Array) || data.length !== 32) throw new DecodingError('a point is exactly 32 bytes');
  if (isZeroBytes(data)) {
    if (allowIdentity) return IDENTITY;
    throw new IdentityPointError('the identity element is not allowed here');
  }
  if (data[31] & 0x80) throw new InvalidPointError('not a canonical ristretto255 encoding');
  let point;
  try {
    point = RistrettoPoint.fromBytes(data);
  } catch {
    throw new InvalidPointError('not a canonical ristretto255 encoding');
  }
  ENCODINGS.set(point, Uint8Array.from(data));
  return point;
}

export function pointFromHex(text, options) {
  return pointFromBytes(fromHex(text, 32), options);
}

/** True for the canonical encoding of a non-identity element. */
export function isValidEncoding(data) {
  if (data.length !== 32 || isZeroBytes(data) || data[31] & 0x80) return false;
  try {
    RistrettoPoint.fromBytes(data);
    return true;
  } catch {
    return false;
  }
}

// Encoding a point costs a field inversion, and a ballot's points go into several
// transcripts: each point object (immutable in noble) is encoded once. Decoded points
// keep the very bytes they were decoded from (canonical, so equal to their encoding).
const ENCODINGS = new WeakMap();

export function pointToBytes(p) {
  let enc = ENCODINGS.get(p);
  if (enc === undefined) {
    enc = p.toBytes();
    ENCODINGS.set(p, enc);
  }
  return enc;
}

export const pointHex = (p) => toHex(pointToBytes(p));
export const pointsEqual = (a, b) => a.equals(b);

/** RFC 9496 element derivation from 64 uniform bytes. */
export function pointFromUniformBytes(data) {
  if (data.length !== 64) throw new DecodingError('element derivation takes exactly 64 bytes');
  return ristretto255_hasher.deriveToCurve(data);
}

/** scalar · G. */
export function baseMul(s) {
  return s === 0n ? IDENTITY : GENERATOR.multiply(s);
}

/** scalar · P (constant time in the scalar). */
export function pointMul(p, s) {
  return s === 0n || p.is0() ? IDENTITY : p.multiply(s);
}

export { IDENTITY_BYTES };
