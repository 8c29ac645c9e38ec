// Disjunctive proofs that an exponential ciphertext encrypts 0 … M (protocol.md §6.4),
// mirroring crypto/disjunctive.py.
import { field, onlyFields, scalarsFromHex } from './codec.js';
import { DecodingError, InvalidProofError, ParameterError } from './errors.js';
import { GENERATOR, add, baseMul, mul, neg, pointMul, randomNonzeroScalar, randomScalar, scalarHex, sub } from './group.js';
import { hedged } from './nonce.js';
import { Transcript } from './transcript.js';

export function rangeProofToJSON(proof) {
  return { c: proof.challenges.map(scalarHex), s: proof.responses.map(scalarHex) };
}

export function rangeProofFromJSON(obj) {
  onlyFields(obj, 'c', 's');
  const proof = { challenges: scalarsFromHex(field(obj, 'c', 'array')), responses: scalarsFromHex(field(obj, 's', 'array')) };
  if (proof.challenges.length < 2 || proof.challenges.length !== proof.responses.length) {
    throw new DecodingError('a range proof has M+1 >= 2 challenges and as many responses');
  }
  return proof;
}

export function statement(election, publicKey, credential, maximum, ct) {
  return new Transcript('ballot/range-proof').bytes('election', election)
    .point('public_key', publicKey).point('credential', credential).integer('maximum', maximum)
    .point('alpha', ct.alpha).point('beta', ct.beta);
}

function challenge(election, publicKey, credential, maximum, ct, commitments) {
  return statement(election, publicKey, credential, maximum, ct).points('commitments', commitments).challenge('c');
}

function shiftedBeta(ct, j) {
  return j ? ct.beta.subtract(pointMul(GENERATOR, BigInt(j))) : ct.beta;
}

function simulated(publicKey, ct, j, c, s) {
  return [baseMul(s).add(pointMul(ct.alpha, neg(c))), pointMul(publicKey, s).add(pointMul(shiftedBeta(ct, j), neg(c)))];
}

export function prove(election, publicKey, credential, ct, value, randomness, maximum = 1, rng) {
  if (maximum < 1 || !(value >= 0 && value <= maximum)) throw new ParameterError('need 0 <= value <= maximum and maximum >= 1');
  const challenges = [], responses = [], commitments = [];
  const stream = hedged(rng, statement(election, publicKey, credential, maximum, ct), [randomness, BigInt(value)]);
  const nonce = randomNonzeroScalar(stream);
  for (let j = 0; j <= maximum; j++) {
    if (j === value) {
      challenges.push(0n);
      responses.push(0n);
      commitments.push(baseMul(nonce), pointMul(publicKey, nonce));
    } else {
      const cj = randomScalar(stream), sj = randomScalar(stream);
      challenges.push(cj);
      responses.push(sj);
      commitments.push(...simulated(publicKey, ct, j, cj, sj));
    }
  }
  const c = challenge(election, publicKey, credential, maximum, ct, commitments);
  const cValue = sub(c, challenges.reduce(add, 0n));
  challenges[value] = cValue;
  responses[value] = add(nonce, mul(cValue, randomness));
  return { challenges, responses };
}

export function verify(election, publicKey, credential, ct, proof, maximum = 1) {
  if (proof.challenges.length !== maximum + 1 || proof.responses.length !== maximum + 1) {
    throw new InvalidProofError('range proof has the wrong number of branches');
  }
  const commitments = [];
  proof.challenges.forEach((cj, j) => commitments.push(...simulated(publicKey, ct, j, cj, proof.responses[j])));
  const c = challenge(election, publicKey, credential, maximum, ct, commitments);
  if (proof.challenges.reduce(add, 0n) !== c) throw new InvalidProofError('range proof does not verify');
}
