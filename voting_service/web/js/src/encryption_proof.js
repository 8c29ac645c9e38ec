// Proof of knowledge of the randomness of a ciphertext vector (protocol.md §6.3),
// mirroring crypto/encryption_proof.py. The voter's public credential is hashed into the
// statement, so a proof copied onto another credential fails.
import { field, onlyFields, readScalar, scalarsFromHex } from './codec.js';
import { DecodingError, InvalidProofError, ParameterError } from './errors.js';
import { add, baseMul, mul, neg, pointMul, randomNonzeroScalar, scalarHex } from './group.js';
import { hedged } from './nonce.js';
import { Transcript } from './transcript.js';

export function proofToJSON(proof) {
  return { c: scalarHex(proof.challenge), s: proof.responses.map(scalarHex) };
}

export function proofFromJSON(obj) {
  onlyFields(obj, 'c', 's');
  const responses = scalarsFromHex(field(obj, 's', 'array'));
  if (!responses.length) throw new DecodingError('an encryption proof has at least one response');
  return { challenge: readScalar(obj, 'c'), responses };
}

function ciphertextPoints(vector) {
  const out = [];
  for (const c of vector) out.push(c.alpha, c.beta);
  return out;
}

export function statement(election, publicKey, credential, question, vector) {
  return new Transcript('ballot/encryption-proof').bytes('election', election)
    .point('public_key', publicKey).point('credential', credential).text('question', question)
    .points('ciphertexts', ciphertextPoints(vector));
}

function challenge(election, publicKey, credential, question, vector, commitments) {
  return statement(election, publicKey, credential, question, vector).points('commitments', commitments).challenge('c');
}

export function prove(election, publicKey, credential, question, vector, randomness, rng) {
  if (vector.length !== randomness.length) throw new ParameterError('one randomness per ciphertext');
  const stream = hedged(rng, statement(election, publicKey, credential, question, vector), randomness);
  const nonces = vector.map(() => randomNonzeroScalar(stream));
  const commitments = nonces.map(baseMul);
  const c = challenge(election, publicKey, credential, question, vector, commitments);
  return { challenge: c, responses: nonces.map((u, i) => add(u, mul(c, randomness[i]))) };
}

export function verify(election, publicKey, credential, question, vector, proof) {
  if (proof.responses.length !== vector.length) throw new InvalidProofError('encryption proof width does not match the ciphertexts');
  const minusC = neg(proof.challenge);
  const commitments = proof.responses.map((s, i) => baseMul(s).add(pointMul(vector[i].alpha, minusC)));
  if (challenge(election, publicKey, credential, question, vector, commitments) !== proof.challenge) {
    throw new InvalidProofError('encryption proof does not verify');
  }
}
