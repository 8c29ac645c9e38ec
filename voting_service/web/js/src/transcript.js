// Typed, length-prefixed, domain-separated SHA-512 transcripts (protocol.md §3), mirroring
// crypto/transcript.py: each item is tag (1) || len(label) (4, BE) || label || len(value)
// (8, BE) || value; the first item is the domain "voting_service/v1/<purpose>". An output
// hashes the transcript plus one output item (tag 0x10, value = index as 8 bytes BE)
// without changing the transcript.
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, u32be, u64be, utf8 } from './bytes.js';
import { pointFromUniformBytes, pointToBytes, scalarFromWide, scalarToBytes } from './group.js';

export const PROTOCOL = 'voting_service/v1';

export const TAG = Object.freeze({
  DOMAIN: 0x01, BYTES: 0x02, TEXT: 0x03, INT: 0x04, SCALAR: 0x05, POINT: 0x06,
  POINTS: 0x07, SCALARS: 0x08, OUTPUT: 0x10,
});

const headers = new Map();

function header(tag, label) {
  const key = `${tag}:${label}`;
  let h = headers.get(key);
  if (h === undefined) {
    const labelBytes = utf8(label);
    h = concat(Uint8Array.of(tag), u32be(labelBytes.length), labelBytes);
    headers.set(key, h);
  }
  return h;
}

/** The bytes of one item (exported for tests that rebuild transcripts by hand). */
export function item(tag, label, value) {
  return concat(header(tag, label), u64be(value.length), value);
}

export class Transcript {
  constructor(purpose, hash) {
    if (hash) {
      this._hash = hash;
      return;
    }
    this._hash = sha512.create();
    this._update(TAG.DOMAIN, 'domain', utf8(`${PROTOCOL}/${purpose}`));
  }

  _update(tag, label, value) {
    this._hash.update(header(tag, label));
    this._hash.update(u64be(value.length));
    this._hash.update(value);
    return this;
  }

  copy() {
    return new Transcript(null, this._hash.clone());
  }

  bytes(label, value) { return this._update(TAG.BYTES, label, value); }
  text(label, value) { return this._update(TAG.TEXT, label, utf8(value)); }
  integer(label, value) { return this._update(TAG.INT, label, u64be(value)); }
  scalar(label, value) { return this._update(TAG.SCALAR, label, scalarToBytes(value)); }
  point(label, value) { return this._update(TAG.POINT, label, pointToBytes(value)); }
  pointEncoding(label, encoding) { return this._update(TAG.POINT, label, encoding); }
  points(label, values) { return this._update(TAG.POINTS, label, concat(...values.map(pointToBytes))); }
  pointEncodings(label, encodings) { return this._update(TAG.POINTS, label, concat(...encodings)); }
  scalars(label, values) { return this._update(TAG.SCALARS, label, concat(...values.map(scalarToBytes))); }

  /** 64 bytes: SHA-512(transcript || output item(label, index)). */
  output(label, index = 0) {
    const h = this._hash.clone();
    h.update(header(TAG.OUTPUT, label));
    h.update(u64be(8));
    h.update(u64be(index));
    return h.digest();
  }

  /** The output read little-endian and reduced modulo ℓ (wide reduction). */
  challenge(label, index = 0) {
    return scalarFromWide(this.output(label, index));
  }
}

/** An element nobody knows a discrete log of (RFC 9496 derivation from a public label). */
export function hashToPoint(label, index = 0) {
  const t = new Transcript('hash-to-group').text('label', label).integer('index', index);
  return pointFromUniformBytes(t.output('point'));
}
