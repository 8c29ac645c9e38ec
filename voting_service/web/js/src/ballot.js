// Ballots, version 2 (protocol.md §10), mirroring crypto/ballot.py: one question's
// encrypted answer, bound to the voter's public credential and ordered in its chain by
// `seq` and `prev`; a kiosk ballot names its `checkin` and is signed with the kiosk's
// Ed25519 device key (a WebCrypto key) instead of the credential secret.
//
// The tracker is drawn from the same body transcript as the signed message, over every
// field but the signature: the device shows it before the voter casts or challenges.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, toHex } from './bytes.js';
import { field, onlyFields, readBytesHex, readInt, readPoint, scalarsFromHex } from './codec.js';
import { DecodingError, InvalidProofError, InvalidSignatureError, ParameterError } from './errors.js';
import { baseMul, pointHex, pointToBytes, scalarHex } from './group.js';
import { embedBytes, extractBytes } from './embedding.js';
import { decryptWithRandomness, encryptVector, randomScalars, vectorFromJSON, vectorToJSON } from './elgamal.js';
import * as encryptionProof from './encryption_proof.js';
import { hedged } from './nonce.js';
import * as signature from './signature.js';
import { Transcript } from './transcript.js';

export const VERSION = 2;
export const TRACKER_BYTES = 32;
export const ZERO_TRACKER = new Uint8Array(TRACKER_BYTES);
export const ED25519_SIGNATURE_BYTES = 64;
const FIELDS = ['version', 'question', 'credential', 'seq', 'prev', 'checkin', 'ciphertexts', 'proof', 'signature'];
const MAX_SEQ = Number.MAX_SAFE_INTEGER; // JSON numbers above 2^53 cannot be read exactly here

export const channel = (ballot) => (ballot.checkin === null ? 'online' : 'kiosk');

export function ballotBodyJSON(b) {
  return {
    version: VERSION, question: b.question, credential: pointHex(b.credential), seq: b.seq,
    prev: toHex(b.prev), checkin: b.checkin === null ? null : toHex(b.checkin),
    ciphertexts: vectorToJSON(b.ciphertexts), proof: encryptionProof.proofToJSON(b.proof),
  };
}

export function ballotToJSON(b) {
  const body = ballotBodyJSON(b);
  if (b.signature === null || b.signature === undefined) body.signature = null;
  else if (b.signature instanceof Uint8Array) body.signature = toHex(b.signature);
  else body.signature = signature.signatureToJSON(b.signature);
  return body;
}

function readSeq(obj) {
  const seq = readInt(obj, 'seq', { minimum: 1 });
  if (seq > MAX_SEQ) throw new DecodingError('seq is below 2^53 here');
  return seq;
}

/** Strict reader: unknown fields, a wrong version, a malformed field are refused. */
export function ballotFromJSON(obj, width) {
  onlyFields(obj, ...FIELDS);
  if (field(obj, 'version', 'number') !== VERSION) throw new DecodingError(`ballot version ${obj.version}, expected ${VERSION}`);
  const prev = readBytesHex(obj, 'prev');
  if (prev.length !== TRACKER_BYTES) throw new DecodingError('prev is a 32-byte tracker');
  let checkin = null;
  if (!Object.prototype.hasOwnProperty.call(obj, 'checkin') || obj.checkin !== null) {
    checkin = readBytesHex(obj, 'checkin');
    if (checkin.length !== TRACKER_BYTES) throw new DecodingError('checkin is a 32-byte event hash');
  }
  if (!Object.prototype.hasOwnProperty.call(obj, 'signature')) throw new DecodingError("missing field 'signature'");
  let sig = null;
  if (obj.signature !== null) {
    if (checkin === null) sig = signature.signatureFromJSON(field(obj, 'signature', 'object'));
    else {
      sig = readBytesHex(obj, 'signature');
      if (sig.length !== ED25519_SIGNATURE_BYTES) throw new DecodingError('a kiosk signature is 64 bytes');
    }
  }
  const ballot = {
    question: field(obj, 'question', 'string'), credential: readPoint(obj, 'credential'), seq: readSeq(obj),
    prev, checkin, ciphertexts: vectorFromJSON(field(obj, 'ciphertexts', 'array'), width),
    proof: encryptionProof.proofFromJSON(field(obj, 'proof', 'object')), signature: sig,
  };
  if (ballot.proof.responses.length !== ballot.ciphertexts.length) throw new DecodingError('proof width differs from the ciphertext width');
  if (checkin !== null && (ballot.seq !== 1 || !equalBytes(prev, ZERO_TRACKER))) {
    throw new DecodingError('a kiosk ballot has seq 1 and a zero prev');
  }
  return ballot;
}

export function openingToJSON(opening) {
  return { randomness: opening.randomness.map(scalarHex) };
}

export function openingFromJSON(obj) {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || Object.keys(obj).length !== 1
      || !Object.prototype.hasOwnProperty.call(obj, 'randomness')) {
    throw new DecodingError('an opening is {"randomness": [...]}');
  }
  return { randomness: scalarsFromHex(obj.randomness) };
}

function ciphertextPoints(ciphertexts) {
  const out = [];
  for (const c of ciphertexts) out.push(c.alpha, c.beta);
  return out;
}

function body(election, b) {
  return new Transcript('ballot/body/v2').bytes('election', election).text('question', b.question)
    .point('credential', b.credential).integer('seq', b.seq).bytes('prev', b.prev)
    .bytes('checkin', b.checkin ?? new Uint8Array(0))
    .points('ciphertexts', ciphertextPoints(b.ciphertexts))
    .scalars('proof', [b.proof.challenge, ...b.proof.responses]);
}

/** The 64 bytes that the signature signs. */
export function message(election, b) {
  return body(election, b).output('message');
}

/** The ballot's public 32-byte tracker (independent of the signature). */
export function tracker(election, b) {
  return body(election, b).output('tracker').slice(0, TRACKER_BYTES);
}

/** SHA-256 (hex) of the ciphertexts' encodings (protocol.md §11.1). */
export function ciphertextsDigest(b) {
  return toHex(sha256(concat(...ciphertextPoints(b.ciphertexts).map(pointToBytes))));
}

export function randomnessStatement(election, publicKey, question, credential, seq, prev, checkin, plaintext, width) {
  return new Transcript('ballot/randomness').bytes('election', election).point('public_key', publicKey)
    .text('question', question).point('credential', credential).integer('seq', seq).bytes('prev', prev)
    .bytes('checkin', checkin ?? new Uint8Array(0)).bytes('plaintext', plaintext).integer('width', width);
}

/**
 * Embed, encrypt and prove; the ballot is unsigned until the voter casts it. The
 * randomness is hedged (§10.8) with the credential `secret` online (a kiosk has none).
 * Returns {ballot, opening}.
 */
export function encrypt(publicKey, election, question, plaintext, width,
  { credential, seq = 1, prev = ZERO_TRACKER, checkin = null, secret = null, rng } = {}) {
  if (!Number.isSafeInteger(seq) || seq < 1 || prev.length !== TRACKER_BYTES) {
    throw new ParameterError('seq starts at 1; prev is a 32-byte tracker');
  }
  if (checkin !== null && (checkin.length !== TRACKER_BYTES || seq !== 1 || !equalBytes(prev, ZERO_TRACKER))) {
    throw new ParameterError('a kiosk ballot names a 32-byte check-in, with seq 1, zero prev');
  }
  const st = randomnessStatement(election, publicKey, question, credential, seq, prev, checkin, plaintext, width);
  const randomness = randomScalars(width, hedged(rng, st, secret === null ? [] : [secret]));
  const ciphertexts = encryptVector(publicKey, embedBytes(plaintext, width), randomness);
  const proof = encryptionProof.prove(election, publicKey, credential, question, ciphertexts, randomness, rng);
  return {
    ballot: { question, credential, seq, prev: Uint8Array.from(prev), checkin: checkin === null ? null : Uint8Array.from(checkin), ciphertexts, proof, signature: null },
    opening: { randomness },
  };
}

/** `publicKey`: secret·G when the caller holds it (the device derived both from the code). */
export function signOnline(election, b, secret, rng, publicKey = null) {
  if (b.checkin !== null) throw new ParameterError('a kiosk ballot is signed with the kiosk key');
  return { ...b, signature: signature.sign(election, secret, message(election, b), rng, { publicKey }) };
}

/** Ed25519 over the message with a WebCrypto CryptoKey (the kiosk's device key). */
export async function signKiosk(election, b, kioskKey) {
  if (b.checkin === null) throw new ParameterError('an online ballot is signed with the credential secret');
  const sig = new Uint8Array(await globalThis.crypto.subtle.sign({ name: 'Ed25519' }, kioskKey, message(election, b)));
  return { ...b, signature: sig };
}

async function verifyEd25519(publicKeyBytes, sig, msg) {
  let key;
  try {
    key = await globalThis.crypto.subtle.importKey('raw', publicKeyBytes, { name: 'Ed25519' }, false, ['verify']);
  } catch {
    return false;
  }
  return globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, sig, msg);
}

/**
 * Check the question and width, the proof (bound to the ballot's credential) and, when
 * `signed`, the signature: by the credential online, by `kioskKey` (32 raw Ed25519 bytes)
 * for a kiosk ballot. Async because kiosk signatures are checked with WebCrypto.
 */
export async function verify(publicKey, election, b, { question, width, kioskKey = null, signed = true }) {
  if (b.question !== question) throw new InvalidProofError(`ballot answers question '${b.question}', expected '${question}'`);
  if (b.ciphertexts.length !== width) throw new InvalidProofError(`ballot width ${b.ciphertexts.length}, expected ${width}`);
  encryptionProof.verify(election, publicKey, b.credential, b.question, b.ciphertexts, b.proof);
  if (!signed) {
    if (b.signature !== null) throw new InvalidSignatureError('a challenged ballot is published unsigned');
    return;
  }
  if (b.signature === null) throw new InvalidSignatureError('the ballot is not signed');
  if (b.checkin === null) {
    signature.verify(election, b.credential, message(election, b), b.signature);
    return;
  }
  if (kioskKey === null) throw new InvalidSignatureError("a kiosk ballot needs the kiosk's key to be checked");
  if (kioskKey.length !== 32 || !(await verifyEd25519(kioskKey, b.signature, message(election, b)))) {
    throw new InvalidSignatureError('kiosk signature does not verify');
  }
}

/** Benaloh challenge: the plaintext, recovered from the revealed randomness. */
export function openBallot(publicKey, b, opening) {
  if (opening.randomness.length !== b.ciphertexts.length) throw new ParameterError('one randomness per ciphertext');
  const points = b.ciphertexts.map((c, i) => {
    if (!baseMul(opening.randomness[i]).equals(c.alpha)) throw new InvalidProofError('the opening does not match the ciphertexts');
    return decryptWithRandomness(publicKey, c, opening.randomness[i]);
  });
  return extractBytes(points);
}
