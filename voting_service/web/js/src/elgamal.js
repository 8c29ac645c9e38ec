// ElGamal over ristretto255 (protocol.md §4), mirroring crypto/elgamal.py:
// (α, β) = (r·G, M + r·Y), one fresh r per component of a vector.
import { onlyFields, readPoint } from './codec.js';
import { DecodingError, ParameterError } from './errors.js';
import { baseMul, pointHex, pointMul, randomNonzeroScalar } from './group.js';

export function ciphertextToJSON(c) {
  return { alpha: pointHex(c.alpha), beta: pointHex(c.beta) };
}

export function ciphertextFromJSON(obj) {
  onlyFields(obj, 'alpha', 'beta');
  return { alpha: readPoint(obj, 'alpha'), beta: readPoint(obj, 'beta') };
}

export const vectorToJSON = (vector) => vector.map(ciphertextToJSON);

export function vectorFromJSON(obj, width) {
  if (!Array.isArray(obj) || !obj.length) throw new DecodingError('a ciphertext vector is a non-empty list');
  if (width !== undefined && width !== null && obj.length !== width) {
    throw new DecodingError(`expected a ciphertext vector of width ${width}`);
  }
  return obj.map(ciphertextFromJSON);
}

export function addCiphertexts(a, b) {
  return { alpha: a.alpha.add(b.alpha), beta: a.beta.add(b.beta) };
}

export function generateKeyPair(rng) {
  const secret = randomNonzeroScalar(rng);
  return { secret, public: baseMul(secret) };
}

export function encrypt(publicKey, message, randomness) {
  if (randomness === 0n) throw new ParameterError('encryption randomness must not be zero');
  return { alpha: baseMul(randomness), beta: message.add(pointMul(publicKey, randomness)) };
}

export function encryptVector(publicKey, messages, randomness) {
  if (messages.length !== randomness.length) throw new ParameterError('one randomness per message');
  return messages.map((m, i) => encrypt(publicKey, m, randomness[i]));
}

export function randomScalars(count, rng) {
  const out = [];
  for (let i = 0; i < count; i++) out.push(randomNonzeroScalar(rng));
  return out;
}

/** Same message, fresh look: (α + r'·G, β + r'·Y). */
export function reencrypt(publicKey, c, randomness) {
  return { alpha: c.alpha.add(baseMul(randomness)), beta: c.beta.add(pointMul(publicKey, randomness)) };
}

/** M = β − x·α. */
export function decrypt(secretKey, c) {
  return c.beta.subtract(pointMul(c.alpha, secretKey));
}

/** M = β − r·Y after checking α = r·G (the opening of a challenged ballot). */
export function decryptWithRandomness(publicKey, c, randomness) {
  if (!baseMul(randomness).equals(c.alpha)) throw new ParameterError('the randomness does not open this ciphertext');
  return c.beta.subtract(pointMul(publicKey, randomness));
}
