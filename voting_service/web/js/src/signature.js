// Schnorr signatures under a credential (protocol.md §6.5), mirroring crypto/signature.py:
// transcript <purpose>[bytes election, point public_key, bytes message, point commitment
// R = k·G], challenge "c"; signature (c, s = k + c·x), the nonce k hedged.
import { onlyFields, readScalar } from './codec.js';
import { InvalidSignatureError } from './errors.js';
import { add, baseMul, mul, neg, pointMul, randomNonzeroScalar, scalarHex } from './group.js';
import { hedged } from './nonce.js';
import { Transcript } from './transcript.js';

export const BALLOT_PURPOSE = 'signature';

export function signatureToJSON(sig) {
  return { c: scalarHex(sig.challenge), s: scalarHex(sig.response) };
}

export function signatureFromJSON(obj) {
  onlyFields(obj, 'c', 's');
  return { challenge: readScalar(obj, 'c'), response: readScalar(obj, 's') };
}

export function statement(purpose, election, publicKey, message) {
  return new Transcript(purpose).bytes('election', election).point('public_key', publicKey).bytes('message', message);
}

/** `publicKey`, when the caller already holds secretKey·G, saves recomputing it. */
export function sign(election, secretKey, message, rng, { purpose = BALLOT_PURPOSE, publicKey = null } = {}) {
  const st = statement(purpose, election, publicKey ?? baseMul(secretKey), message);
  const nonce = randomNonzeroScalar(hedged(rng, st, [secretKey]));
  const c = st.point('commitment', baseMul(nonce)).challenge('c');
  return { challenge: c, response: add(nonce, mul(c, secretKey)) };
}

export function verify(election, publicKey, message, sig, { purpose = BALLOT_PURPOSE } = {}) {
  const commitment = baseMul(sig.response).add(pointMul(publicKey, neg(sig.challenge)));
  const c = statement(purpose, election, publicKey, message).point('commitment', commitment).challenge('c');
  if (c !== sig.challenge) throw new InvalidSignatureError('signature does not verify');
}
