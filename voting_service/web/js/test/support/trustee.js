// The trustees' side of voting_service/crypto (dkg.py, schnorr.py, chaum_pedersen.py via
// threshold.py, shuffle.py) in JavaScript, for the Node tests only: it lets them rebuild
// ceremony.json, shuffle.json and negative.json byte for byte and refuse their negative
// cases with Python's codes. It is not part of the voter client bundle (nothing in src/
// imports it). X25519 and HKDF-SHA512 come from @noble; the shares' ChaCha20-Poly1305,
// which @noble/curves and @noble/hashes do not provide, from Node's OpenSSL (node:crypto).
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { concat, equalBytes, toHex } from '../../src/bytes.js';
import { field, onlyFields, pointsFromHex, readBytesHex, readInt, readPoint, readScalar, scalarsFromHex } from '../../src/codec.js';
import {
  CeremonyAuthenticationError, DecodingError, InvalidProofError, InvalidShuffleError, InvalidSignatureError,
  NotEnoughSharesError, ParameterError, PartialDecryptionError, ShareVerificationError,
} from '../../src/errors.js';
import {
  GENERATOR, IDENTITY, ORDER, add, baseMul, inverse, mod, mul, neg, pointHex, pointMul, pointToBytes,
  randomNonzeroScalar, scalarFromBytes, scalarFromWide, scalarHex, scalarToBytes, sub,
} from '../../src/group.js';
import { hedged } from '../../src/nonce.js';
import * as signature from '../../src/signature.js';
import { Transcript, hashToPoint } from '../../src/transcript.js';

export const IDENTITY_PURPOSE = 'dkg/identity-signature';
const AEAD_NONCE = new Uint8Array(12);

const sumPoints = (points) => points.reduce((a, b) => a.add(b), IDENTITY);

// --- Schnorr proof of knowledge (schnorr.py) -------------------------------------------------

export function schnorrProve(context, publicPoint, secret, rng) {
  const statement = context.copy().point('public', publicPoint);
  const nonce = randomNonzeroScalar(hedged(rng, statement, [secret]));
  const c = statement.point('commitment', baseMul(nonce)).challenge('c');
  return { challenge: c, response: add(nonce, mul(c, secret)) };
}

export function schnorrVerify(context, publicPoint, proof) {
  const commitment = baseMul(proof.response).add(pointMul(publicPoint, neg(proof.challenge)));
  if (context.copy().point('public', publicPoint).point('commitment', commitment).challenge('c') !== proof.challenge) {
    throw new InvalidProofError('Schnorr proof of knowledge does not verify');
  }
}

const proofJSON = (p) => ({ c: scalarHex(p.challenge), s: scalarHex(p.response) });
const proofFromJSON = (obj) => { onlyFields(obj, 'c', 's'); return { challenge: readScalar(obj, 'c'), response: readScalar(obj, 's') }; };

// --- DKG (dkg.py) ------------------------------------------------------------------------------

export function checkParameters(threshold, count) {
  if (!(threshold >= 1 && threshold <= count)) throw new ParameterError('need 1 <= threshold <= count');
  if (count >= 2 ** 16) throw new ParameterError('at most 65535 trustees');
}

export function makeIdentity(rng) {
  const secret = randomNonzeroScalar(rng);
  return { secret, public: baseMul(secret) };
}

export function announcementToJSON(a) {
  return { dealer: a.dealer, transport_key: toHex(a.transportKey), commitments: a.commitments.map(pointHex),
    proof: proofJSON(a.proof), signature: signature.signatureToJSON(a.signature) };
}

export function announcementFromJSON(obj) {
  onlyFields(obj, 'dealer', 'transport_key', 'commitments', 'proof', 'signature');
  const key = readBytesHex(obj, 'transport_key');
  if (key.length !== 32) throw new DecodingError('a transport key is 32 bytes');
  const commitments = pointsFromHex(field(obj, 'commitments', 'array'));
  if (!commitments.length) throw new DecodingError('at least one commitment');
  return { dealer: readInt(obj, 'dealer', { minimum: 1 }), transportKey: key, commitments,
    proof: proofFromJSON(field(obj, 'proof', 'object')), signature: signature.signatureFromJSON(field(obj, 'signature', 'object')) };
}

export function shareToJSON(s) {
  return { dealer: s.dealer, recipient: s.recipient, ephemeral_key: toHex(s.ephemeralKey), ciphertext: toHex(s.ciphertext),
    signature: signature.signatureToJSON(s.signature) };
}

export function shareFromJSON(obj) {
  onlyFields(obj, 'dealer', 'recipient', 'ephemeral_key', 'ciphertext', 'signature');
  const share = { dealer: readInt(obj, 'dealer', { minimum: 1 }), recipient: readInt(obj, 'recipient', { minimum: 1 }),
    ephemeralKey: readBytesHex(obj, 'ephemeral_key'), ciphertext: readBytesHex(obj, 'ciphertext'),
    signature: signature.signatureFromJSON(field(obj, 'signature', 'object')) };
  if (share.ephemeralKey.length !== 32 || share.ciphertext.length !== 48) throw new DecodingError('ephemeral key is 32 bytes, ciphertext 48 bytes');
  return share;
}

export function electionKeyToJSON(k) {
  return { public_key: pointHex(k.publicKey), threshold: k.threshold, verification_keys: k.verificationKeys.map(pointHex) };
}

function interpolate(indices, values, at) {
  let total = null;
  indices.forEach((j, n) => {
    let numerator = 1n, denominator = 1n;
    for (const m of indices) {
      if (m !== j) {
        numerator = mod(numerator * BigInt(at - m));
        denominator = mod(denominator * BigInt(j - m));
      }
    }
    const term = pointMul(values[n], mul(numerator, inverse(denominator)));
    total = total === null ? term : total.add(term);
  });
  return total;
}

export function electionKeyFromJSON(obj) {
  onlyFields(obj, 'public_key', 'threshold', 'verification_keys');
  const key = { publicKey: readPoint(obj, 'public_key'), threshold: readInt(obj, 'threshold', { minimum: 1 }),
    verificationKeys: pointsFromHex(field(obj, 'verification_keys', 'array')) };
  const count = key.verificationKeys.length;
  if (key.threshold > count) throw new DecodingError('threshold exceeds the number of trustees');
  if (count >= 2 ** 16) throw new DecodingError('at most 65535 trustees');
  const t = key.threshold;
  const base = [...Array(t).keys()].map((i) => i + 1);
  const anchors = key.verificationKeys.slice(0, t);
  for (const at of [0, ...[...Array(count - t).keys()].map((i) => t + 1 + i)]) {
    const expected = at === 0 ? key.publicKey : key.verificationKeys[at - 1];
    if (!interpolate(base, anchors, at).equals(expected)) {
      throw new DecodingError(`${at === 0 ? 'the public key' : `verification key ${at}`} is not on the polynomial through the first ${t} verification keys`);
    }
  }
  if (t >= 2 && interpolate(base.slice(0, -1), anchors.slice(0, -1), t).equals(anchors[t - 1])) {
    throw new DecodingError(`the verification keys lie on a polynomial of degree below ${t - 1}: the threshold is not ${t}`);
  }
  return key;
}

export function announcementMessage(election, threshold, count, dealer, identityKey, transportKey, commitments, proof) {
  return new Transcript('dkg/announcement').bytes('election', election).integer('threshold', threshold).integer('count', count)
    .integer('dealer', dealer).point('identity_key', identityKey).bytes('transport_key', transportKey)
    .points('commitments', commitments).scalars('proof', [proof.challenge, proof.response]).output('message');
}

export function shareMessage(election, threshold, count, dealer, recipient, identityKey, commitments, recipientKey, ephemeralKey, ciphertext) {
  return new Transcript('dkg/share-envelope').bytes('election', election).integer('threshold', threshold).integer('count', count)
    .integer('dealer', dealer).integer('recipient', recipient).point('identity_key', identityKey).points('commitments', commitments)
    .bytes('recipient_key', recipientKey).bytes('ephemeral_key', ephemeralKey).bytes('ciphertext', ciphertext).output('message');
}

function pokContext(election, threshold, count, dealer, transportKey, commitments) {
  return new Transcript('dkg/proof-of-knowledge').bytes('election', election).integer('threshold', threshold).integer('count', count)
    .integer('dealer', dealer).bytes('transport_key', transportKey).points('commitments', commitments);
}

export function shareBinding(election, dealer, recipient, ephemeral, recipientKey) {
  return new Transcript('dkg/share').bytes('election', election).integer('dealer', dealer).integer('recipient', recipient)
    .bytes('ephemeral_key', ephemeral).bytes('recipient_key', recipientKey).output('binding');
}

export const shareKey = (shared, binding) => hkdf(sha512, shared, undefined, binding, 32);

function aeadSeal(key, plaintext, aad) {
  const cipher = createCipheriv('chacha20-poly1305', key, AEAD_NONCE, { authTagLength: 16 });
  cipher.setAAD(aad, { plaintextLength: plaintext.length });
  return concat(new Uint8Array(cipher.update(plaintext)), new Uint8Array(cipher.final()), new Uint8Array(cipher.getAuthTag()));
}

function aeadOpen(key, sealed, aad) {
  const decipher = createDecipheriv('chacha20-poly1305', key, AEAD_NONCE, { authTagLength: 16 });
  decipher.setAAD(aad, { plaintextLength: sealed.length - 16 });
  decipher.setAuthTag(sealed.subarray(sealed.length - 16));
  return concat(new Uint8Array(decipher.update(sealed.subarray(0, sealed.length - 16))), new Uint8Array(decipher.final()));
}

function checkIdentityKeys(keys, count) {
  if (keys.length !== count) throw new ParameterError(`need exactly ${count} identity keys (one per trustee)`);
  if (keys.some((k) => k.is0())) throw new ParameterError('identity keys must be non-identity points');
  if (new Set(keys.map(pointHex)).size !== count) throw new ParameterError('two trustees registered the same identity key');
  return keys;
}

function evaluateCommitments(commitments, at) {
  const x = BigInt(at);
  let value = commitments[commitments.length - 1];
  for (let k = commitments.length - 2; k >= 0; k--) value = pointMul(value, x).add(commitments[k]);
  return value;
}

function indexAnnouncements(announcements, count) {
  const byDealer = new Map();
  for (const a of announcements) {
    if (byDealer.has(a.dealer)) throw new ShareVerificationError('two announcements', { dealer: a.dealer });
    byDealer.set(a.dealer, a);
  }
  for (let d = 1; d <= count; d++) if (!byDealer.has(d)) throw new ShareVerificationError('no announcement', { dealer: d });
  if (byDealer.size !== count) {
    const extra = [...byDealer.keys()].filter((d) => d < 1 || d > count).sort((a, b) => a - b);
    throw new ShareVerificationError('dealer index out of range', { dealer: extra[0] });
  }
  return byDealer;
}

export function verifyAnnouncement(a, threshold, count, election, identityKeys) {
  checkIdentityKeys(identityKeys, count);
  if (!(a.dealer >= 1 && a.dealer <= count)) throw new ShareVerificationError('dealer index out of range', { dealer: a.dealer });
  const message = announcementMessage(election, threshold, count, a.dealer, identityKeys[a.dealer - 1], a.transportKey, a.commitments, a.proof);
  try {
    signature.verify(election, identityKeys[a.dealer - 1], message, a.signature, { purpose: IDENTITY_PURPOSE });
  } catch (e) {
    if (e instanceof InvalidSignatureError) throw new CeremonyAuthenticationError("announcement is not signed by the dealer's identity key", { dealer: a.dealer });
    throw e;
  }
  if (a.commitments.length !== threshold) throw new ShareVerificationError(`expected ${threshold} commitments`, { dealer: a.dealer });
  try {
    schnorrVerify(pokContext(election, threshold, count, a.dealer, a.transportKey, a.commitments), a.commitments[0], a.proof);
  } catch (e) {
    if (e instanceof InvalidProofError) throw new ShareVerificationError('proof of knowledge fails', { dealer: a.dealer });
    throw e;
  }
}

export function verifyShareSignature(share, dealerAnnouncement, threshold, count, election, identityKeys, recipientKey) {
  if (!(share.dealer >= 1 && share.dealer <= count && share.recipient >= 1 && share.recipient <= count)) {
    throw new ShareVerificationError('index out of range', { dealer: share.dealer });
  }
  const identityKey = identityKeys[share.dealer - 1];
  const message = shareMessage(election, threshold, count, share.dealer, share.recipient, identityKey, dealerAnnouncement.commitments,
    recipientKey, share.ephemeralKey, share.ciphertext);
  try {
    signature.verify(election, identityKey, message, share.signature, { purpose: IDENTITY_PURPOSE });
  } catch (e) {
    if (e instanceof InvalidSignatureError) {
      throw new CeremonyAuthenticationError("share envelope is not signed by the dealer's identity key", { dealer: share.dealer, recipient: share.recipient });
    }
    throw e;
  }
}

export function electionKey(announcements, threshold, count, election, identityKeys) {
  checkParameters(threshold, count);
  checkIdentityKeys(identityKeys, count);
  const byDealer = indexAnnouncements(announcements, count);
  for (const d of [...byDealer.keys()].sort((a, b) => a - b)) verifyAnnouncement(byDealer.get(d), threshold, count, election, identityKeys);
  const aggregate = [];
  for (let k = 0; k < threshold; k++) aggregate.push(sumPoints([...Array(count).keys()].map((i) => byDealer.get(i + 1).commitments[k])));
  return { publicKey: aggregate[0], threshold, verificationKeys: [...Array(count).keys()].map((j) => evaluateCommitments(aggregate, j + 1)) };
}

export class Dealer {
  constructor(index, threshold, count, election, { identity, identityKeys, rng }) {
    checkParameters(threshold, count);
    if (!(index >= 1 && index <= count)) throw new ParameterError('trustee index must be in 1 … count');
    this.identityKeys = checkIdentityKeys(identityKeys, count);
    Object.assign(this, { index, threshold, count, election, identity });
    this.transportSecret = rng(32);
    this.coefficients = [...Array(threshold)].map(() => randomNonzeroScalar(rng));
    const commitments = this.coefficients.map(baseMul);
    const transportKey = x25519.getPublicKey(this.transportSecret);
    const proof = schnorrProve(pokContext(election, threshold, count, index, transportKey, commitments), commitments[0], this.coefficients[0], rng);
    const message = announcementMessage(election, threshold, count, index, identity.public, transportKey, commitments, proof);
    const sig = signature.sign(election, identity.secret, message, rng, { purpose: IDENTITY_PURPOSE });
    this.announcement = { dealer: index, transportKey, commitments, proof, signature: sig };
  }

  evaluate(at) {
    const x = BigInt(at);
    let value = 0n;
    for (let k = this.coefficients.length - 1; k >= 0; k--) value = add(mul(value, x), this.coefficients[k]);
    return value;
  }

  deal(announcements, rng) {
    electionKey(announcements, this.threshold, this.count, this.election, this.identityKeys);
    const byDealer = indexAnnouncements(announcements, this.count);
    const out = [];
    for (let j = 1; j <= this.count; j++) {
      const recipientKey = byDealer.get(j).transportKey;
      const ephemeralSecret = rng(32);
      const ephemeralKey = x25519.getPublicKey(ephemeralSecret);
      const shared = x25519.getSharedSecret(ephemeralSecret, recipientKey);
      const binding = shareBinding(this.election, this.index, j, ephemeralKey, recipientKey);
      const ciphertext = aeadSeal(shareKey(shared, binding), scalarToBytes(this.evaluate(j)), binding);
      const message = shareMessage(this.election, this.threshold, this.count, this.index, j, this.identity.public,
        this.announcement.commitments, recipientKey, ephemeralKey, ciphertext);
      const sig = signature.sign(this.election, this.identity.secret, message, rng, { purpose: IDENTITY_PURPOSE });
      out.push({ dealer: this.index, recipient: j, ephemeralKey, ciphertext, signature: sig, ephemeralSecret });
    }
    return out;
  }

  receive(announcements, shares) {
    const key = electionKey(announcements, this.threshold, this.count, this.election, this.identityKeys);
    const byDealer = indexAnnouncements(announcements, this.count);
    const ownKey = x25519.getPublicKey(this.transportSecret);
    if (!equalBytes(byDealer.get(this.index).transportKey, ownKey)) {
      throw new CeremonyAuthenticationError("announcement does not carry this trustee's transport key", { dealer: this.index });
    }
    let secret = 0n;
    const received = new Set();
    for (const share of shares) {
      if (share.recipient !== this.index) continue;
      verifyShareSignature(share, byDealer.get(share.dealer), this.threshold, this.count, this.election, this.identityKeys, ownKey);
      let value;
      try {
        const shared = x25519.getSharedSecret(this.transportSecret, share.ephemeralKey);
        const binding = shareBinding(this.election, share.dealer, share.recipient, share.ephemeralKey, ownKey);
        value = scalarFromBytes(aeadOpen(shareKey(shared, binding), share.ciphertext, binding));
      } catch {
        throw new ShareVerificationError('share cannot be decrypted', { dealer: share.dealer });
      }
      if (!baseMul(value).equals(evaluateCommitments(byDealer.get(share.dealer).commitments, this.index))) {
        throw new ShareVerificationError("share does not match the dealer's commitments", { dealer: share.dealer });
      }
      received.add(share.dealer);
      secret = add(secret, value);
    }
    for (let d = 1; d <= this.count; d++) if (!received.has(d)) throw new ShareVerificationError('no share received', { dealer: d });
    return { trustee: this.index, share: secret, electionKey: key };
  }
}

/** recipes.run_key_ceremony: every trustee in one process, drawing from one rng. */
export function runKeyCeremony(threshold, count, election, rng) {
  const identities = [...Array(count)].map(() => makeIdentity(rng));
  const identityKeys = identities.map((i) => i.public);
  const dealers = identities.map((identity, i) => new Dealer(i + 1, threshold, count, election, { identity, identityKeys, rng }));
  const announcements = dealers.map((d) => d.announcement);
  const shares = dealers.flatMap((d) => d.deal(announcements, rng));
  const keys = dealers.map((d) => d.receive(announcements, shares));
  return { key: keys[0].electionKey, keys, dealers, identities, announcements, shares };
}

// --- threshold decryption (threshold.py) -----------------------------------------------------------

function nonzero(stream) {
  for (;;) {
    const v = scalarFromWide(stream(64));
    if (v !== 0n) return v;
  }
}

export function thresholdContext(election, trustee) {
  return new Transcript('threshold/partial-decryption').bytes('election', election).integer('trustee', trustee);
}

function cpChallenge(context, vk, alpha, d, a, b) {
  return context.copy().point('g1', GENERATOR).point('h1', vk).point('g2', alpha).point('h2', d).point('a', a).point('b', b).challenge('c');
}

export function partialToJSON(p) {
  return { trustee: p.trustee, shares: p.shares.map((v) => v.map((s) => ({ d: pointHex(s.d), c: scalarHex(s.c), s: scalarHex(s.s) }))) };
}

export function partialFromJSON(obj) {
  onlyFields(obj, 'trustee', 'shares');
  const vectors = field(obj, 'shares', 'array');
  if (!vectors.every(Array.isArray)) throw new DecodingError('shares is a list of lists');
  return { trustee: readInt(obj, 'trustee', { minimum: 1 }), shares: vectors.map((v) => v.map((s) => {
    onlyFields(s, 'd', 'c', 's');
    return { d: readPoint(s, 'd'), c: readScalar(s, 'c'), s: readScalar(s, 's') };
  })) };
}

export function partiallyDecrypt(key, election, ciphertexts, rng) {
  const alphas = ciphertexts.flatMap((v) => v.map((c) => c.alpha));
  const stream = hedged(rng, thresholdContext(election, key.trustee).points('alphas', alphas), [key.share]);
  const nonces = alphas.map(() => nonzero(stream));
  const vk = key.electionKey.verificationKeys[key.trustee - 1];
  const context = thresholdContext(election, key.trustee);
  let at = 0;
  const shares = ciphertexts.map((v) => v.map((ct) => {
    const k = nonces[at++];
    const d = pointMul(ct.alpha, key.share);
    const c = cpChallenge(context, vk, ct.alpha, d, baseMul(k), pointMul(ct.alpha, k));
    return { d, c, s: add(k, mul(c, key.share)) };
  }));
  return { trustee: key.trustee, shares };
}

export function verifyPartialDecryption(key, election, ciphertexts, partial) {
  const trustee = partial.trustee;
  if (!(trustee >= 1 && trustee <= key.verificationKeys.length)) throw new PartialDecryptionError('not a trustee of this election', { trustee });
  if (partial.shares.length !== ciphertexts.length || partial.shares.some((v, i) => v.length !== ciphertexts[i].length)) {
    throw new PartialDecryptionError('shares do not match the ciphertexts', { trustee });
  }
  const vk = key.verificationKeys[trustee - 1];
  const context = thresholdContext(election, trustee);
  ciphertexts.forEach((v, position) => v.forEach((ct, k) => {
    const { d, c, s } = partial.shares[position][k];
    const a = baseMul(s).add(pointMul(vk, neg(c)));
    const b = pointMul(ct.alpha, s).add(pointMul(d, neg(c)));
    if (cpChallenge(context, vk, ct.alpha, d, a, b) !== c) {
      throw new PartialDecryptionError('decryption proof does not verify', { trustee, position });
    }
  }));
}

export function lagrangeCoefficients(trustees) {
  const out = new Map();
  for (const j of trustees) {
    let numerator = 1n, denominator = 1n;
    for (const k of trustees) {
      if (k !== j) {
        numerator = mod(numerator * BigInt(k));
        denominator = mod(denominator * BigInt(k - j));
      }
    }
    out.set(j, mul(numerator, inverse(denominator)));
  }
  return out;
}

export function verifyAndCombine(key, election, ciphertexts, partials) {
  const verified = [], dropped = [];
  for (const p of partials) {
    try {
      verifyPartialDecryption(key, election, ciphertexts, p);
      verified.push(p);
    } catch (e) {
      if (!(e instanceof PartialDecryptionError)) throw e;
      dropped.push(e);
    }
  }
  if (verified.length < key.threshold) {
    throw new NotEnoughSharesError(`${verified.length} verified partial decryptions, ${key.threshold} needed`, { dropped });
  }
  const weights = lagrangeCoefficients(verified.map((p) => p.trustee));
  const plaintexts = ciphertexts.map((v, i) => v.map((ct, k) => ct.beta.subtract(
    sumPoints(verified.map((p) => pointMul(p.shares[i][k].d, weights.get(p.trustee)))))));
  return { plaintexts, dropped };
}

// --- shuffle (shuffle.py) ------------------------------------------------------------------------------

export const commitmentGenerator = () => hashToPoint('shuffle/h', 0);
export const shuffleGenerator = (i) => hashToPoint('shuffle/generator', i);

export function randomBelow(bound, rng) {
  const limit = (1n << 64n) - ((1n << 64n) % BigInt(bound));
  for (;;) {
    const bytes = rng(8);
    const value = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, false);
    if (value < limit) return Number(value % BigInt(bound));
  }
}

export function randomPermutation(count, rng) {
  const perm = [...Array(count).keys()];
  for (let i = count - 1; i > 0; i--) {
    const j = randomBelow(i + 1, rng);
    [perm[i], perm[j]] = [perm[j], perm[i]];
  }
  return perm;
}

const flat = (vectors) => vectors.flatMap((v) => v.flatMap((c) => [c.alpha, c.beta]));

export function inputStatement(election, publicKey, width, inputs) {
  return new Transcript('shuffle').bytes('election', election).point('public_key', publicKey)
    .integer('count', inputs.length).integer('width', width).points('inputs', flat(inputs));
}

function finalChallenge(statement, chain, t1, t2, t3, t4, tHat) {
  return statement.points('chain', chain).point('t1', t1).point('t2', t2).point('t3', t3).points('t4', t4).points('t_hat', tHat).challenge('c');
}

export function shuffleProofToJSON(p) {
  return { commitments: p.commitments.map(pointHex), chain: p.chain.map(pointHex), c: scalarHex(p.challenge),
    s1: scalarHex(p.s1), s2: scalarHex(p.s2), s3: scalarHex(p.s3), s4: p.s4.map(scalarHex),
    s_hat: p.sHat.map(scalarHex), s_prime: p.sPrime.map(scalarHex) };
}

export function shuffleProofFromJSON(obj) {
  onlyFields(obj, 'commitments', 'chain', 'c', 's1', 's2', 's3', 's4', 's_hat', 's_prime');
  return { commitments: pointsFromHex(field(obj, 'commitments', 'array')), chain: pointsFromHex(field(obj, 'chain', 'array')),
    challenge: readScalar(obj, 'c'), s1: readScalar(obj, 's1'), s2: readScalar(obj, 's2'), s3: readScalar(obj, 's3'),
    s4: scalarsFromHex(field(obj, 's4', 'array')), sHat: scalarsFromHex(field(obj, 's_hat', 'array')),
    sPrime: scalarsFromHex(field(obj, 's_prime', 'array')) };
}

function checkShape(inputs, outputs) {
  if (!inputs.length) throw new ParameterError('nothing to shuffle');
  const width = inputs[0].length;
  if (width < 1 || inputs.some((v) => v.length !== width)) throw new ParameterError('all ciphertext vectors must have the same width >= 1');
  if (outputs && (outputs.length !== inputs.length || outputs.some((v) => v.length !== width))) {
    throw new InvalidShuffleError('outputs do not have the shape of the inputs');
  }
  return width;
}

/** shuffle_and_prove; also returns every value the prover drew (the vector lists them). */
export function shuffleAndProve(election, publicKey, inputs, rng) {
  const width = checkShape(inputs, null);
  const n = inputs.length;
  const h = commitmentGenerator();
  const prefix = inputStatement(election, publicKey, width, inputs);
  const stream = hedged(rng, prefix, []);
  const draw = () => nonzero(stream);
  const psi = randomPermutation(n, stream);
  const reenc = [...Array(n)].map(() => [...Array(width)].map(draw));
  const permR = [...Array(n)].map(draw);
  const generators = [...Array(n).keys()].map(shuffleGenerator);
  const outputs = [...Array(n).keys()].map((i) => inputs[psi[i]].map((c, k) => ({
    alpha: c.alpha.add(baseMul(reenc[i][k])), beta: c.beta.add(pointMul(publicKey, reenc[i][k])) })));
  const commitments = new Array(n);
  for (let i = 0; i < n; i++) commitments[psi[i]] = baseMul(permR[psi[i]]).add(generators[i]);
  const statement = prefix.points('outputs', flat(outputs)).points('commitments', commitments);
  const u = [...Array(n).keys()].map((i) => statement.challenge('u', i));
  const uPrime = [...Array(n).keys()].map((i) => u[psi[i]]);
  const rHat = [...Array(n)].map(draw);
  const chainR = [0n], chainU = [1n];
  for (let i = 0; i < n; i++) {
    chainR.push(add(rHat[i], mul(uPrime[i], chainR[i])));
    chainU.push(mul(uPrime[i], chainU[i]));
  }
  const omega = [draw(), draw(), draw()];
  const omega4 = [...Array(width)].map(draw);
  const omegaHat = [...Array(n)].map(draw);
  const omegaPrime = [...Array(n)].map(draw);
  const chainPoints = [...Array(n + 1).keys()].map((i) => (i === 0 ? h : baseMul(chainR[i]).add(pointMul(h, chainU[i]))));
  const tHat = [...Array(n).keys()].map((i) => baseMul(omegaHat[i]).add(pointMul(chainPoints[i], omegaPrime[i])));
  const t3 = baseMul(omega[2]).add(sumPoints(generators.map((g, i) => pointMul(g, omegaPrime[i]))));
  const t4 = [];
  for (let k = 0; k < width; k++) {
    t4.push(baseMul(neg(omega4[k])).add(sumPoints(outputs.map((v, i) => pointMul(v[k].alpha, omegaPrime[i])))));
    t4.push(pointMul(publicKey, neg(omega4[k])).add(sumPoints(outputs.map((v, i) => pointMul(v[k].beta, omegaPrime[i])))));
  }
  const t1 = baseMul(omega[0]), t2 = baseMul(omega[1]);
  const chain = chainPoints.slice(1);
  const c = finalChallenge(statement, chain, t1, t2, t3, t4, tHat);
  const rBar = permR.reduce(add, 0n);
  const rTilde = permR.reduce((acc, r, i) => add(acc, mul(r, u[i])), 0n);
  const rPrime = [...Array(width).keys()].map((k) => reenc.reduce((acc, rs, i) => add(acc, mul(rs[k], uPrime[i])), 0n));
  const proof = {
    commitments, chain, challenge: c, s1: add(omega[0], mul(c, rBar)), s2: add(omega[1], mul(c, chainR[n])),
    s3: add(omega[2], mul(c, rTilde)), s4: omega4.map((w, k) => add(w, mul(c, rPrime[k]))),
    sHat: omegaHat.map((w, i) => add(w, mul(c, rHat[i]))), sPrime: omegaPrime.map((w, i) => add(w, mul(c, uPrime[i]))),
  };
  return { outputs, proof, drawn: { psi, reenc, permR, rHat, omega, omega4, omegaHat, omegaPrime, uPrime, u, chainPoints, statement } };
}

export function verifyShuffle(election, publicKey, inputs, outputs, proof) {
  const width = checkShape(inputs, outputs);
  const n = inputs.length;
  if (proof.commitments.length !== n || proof.chain.length !== n || proof.sHat.length !== n || proof.sPrime.length !== n || proof.s4.length !== width) {
    throw new InvalidShuffleError('proof does not have the shape of the shuffle');
  }
  const h = commitmentGenerator();
  const statement = inputStatement(election, publicKey, width, inputs).points('outputs', flat(outputs)).points('commitments', proof.commitments);
  const u = [...Array(n).keys()].map((i) => statement.challenge('u', i));
  const c = proof.challenge, minusC = neg(c);
  const generators = [...Array(n).keys()].map(shuffleGenerator);
  const chain = [h, ...proof.chain];
  const uProduct = u.reduce(mul, 1n);
  const cBar = sumPoints(proof.commitments).subtract(sumPoints(generators));
  const cHat = chain[n].add(pointMul(h, neg(uProduct)));
  const sumUC = sumPoints(proof.commitments.map((ci, i) => pointMul(ci, u[i])));
  const sumSH = sumPoints(generators.map((g, i) => pointMul(g, proof.sPrime[i])));
  const t1 = baseMul(proof.s1).add(pointMul(cBar, minusC));
  const t2 = baseMul(proof.s2).add(pointMul(cHat, minusC));
  const t3 = baseMul(proof.s3).add(sumSH).add(pointMul(sumUC, minusC));
  const t4 = [];
  for (let k = 0; k < width; k++) {
    const tildeA = sumPoints(inputs.map((v, i) => pointMul(v[k].alpha, u[i])));
    const tildeB = sumPoints(inputs.map((v, i) => pointMul(v[k].beta, u[i])));
    const primedA = sumPoints(outputs.map((v, i) => pointMul(v[k].alpha, proof.sPrime[i])));
    const primedB = sumPoints(outputs.map((v, i) => pointMul(v[k].beta, proof.sPrime[i])));
    t4.push(baseMul(neg(proof.s4[k])).add(primedA).add(pointMul(tildeA, minusC)));
    t4.push(pointMul(publicKey, neg(proof.s4[k])).add(primedB).add(pointMul(tildeB, minusC)));
  }
  const tHat = [...Array(n).keys()].map((i) => baseMul(proof.sHat[i]).add(pointMul(chain[i], proof.sPrime[i])).add(pointMul(chain[i + 1], minusC)));
  if (finalChallenge(statement, proof.chain, t1, t2, t3, t4, tHat) !== c) throw new InvalidShuffleError('proof of shuffle does not verify');
  return { u, uProduct, cBar, cHat, cTilde: sumUC, aTilde: null };
}

export { pointToBytes, sub, ORDER };
