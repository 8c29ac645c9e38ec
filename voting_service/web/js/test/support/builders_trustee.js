// ceremony.json, shuffle.json and negative.json as tests/vectors/generate.py builds them.
import { sha256 } from '@noble/hashes/sha2.js';
import { x25519 } from '@noble/curves/ed25519.js';
import { fromHex, toHex, utf8 } from '../../src/bytes.js';
import * as credentials from '../../src/credential.js';
import * as disjunctive from '../../src/disjunctive.js';
import { embedBytes, encodeInt } from '../../src/embedding.js';
import * as elgamal from '../../src/elgamal.js';
import { NotEnoughSharesError } from '../../src/errors.js';
import {
  GENERATOR, ORDER, add, baseMul, bigToBytesLE, mul, pointFromHex, pointHex, pointMul, randomNonzeroScalar,
  scalarFromHex, scalarHex, sub,
} from './group_all.js';
import { recordingRng, seededRng } from '../../src/rng.js';
import * as T from './trustee.js';
import { ELECTION, ballotVectors, deriveAll, rangeProofVectors, signatureVectors, ed25519FromSeed } from './builders.js';

const hexScalars = (values) => values.map(scalarHex);
const vectorJSON = elgamal.vectorToJSON;

export function ceremonyVectors() {
  const rng = seededRng('vectors/ceremony');
  const identities = [0, 1, 2].map(() => T.makeIdentity(rng));
  const identityKeys = identities.map((i) => i.public);
  const dealers = [1, 2, 3].map((i) => new T.Dealer(i, 2, 3, ELECTION, { identity: identities[i - 1], identityKeys, rng }));
  const announcements = dealers.map((d) => d.announcement);
  const shares = [];
  const ephemeral = new Map();
  for (const d of dealers) {
    const recording = recordingRng(rng);
    const dealt = d.deal(announcements, recording);
    const secrets = recording.draws.filter((x) => x.length === 32);
    dealt.forEach((share, i) => {
      if (toHex(x25519.getPublicKey(secrets[i])) !== toHex(share.ephemeralKey)) throw new Error('ephemeral key');
      ephemeral.set(`${share.dealer}/${share.recipient}`, secrets[i]);
    });
    shares.push(...dealt);
  }
  const keys = dealers.map((d) => d.receive(announcements, shares));
  const key = keys[0].electionKey;
  const transportSecrets = dealers.map((d) => d.transportSecret);
  const envelopes = shares.map((share) => {
    const recipientKey = announcements[share.recipient - 1].transportKey;
    const shared = x25519.getSharedSecret(transportSecrets[share.recipient - 1], share.ephemeralKey);
    const binding = T.shareBinding(ELECTION, share.dealer, share.recipient, share.ephemeralKey, recipientKey);
    return {
      dealer: share.dealer, recipient: share.recipient, ephemeral_secret: toHex(ephemeral.get(`${share.dealer}/${share.recipient}`)),
      shared_secret: toHex(shared), binding: toHex(binding), aead_key: toHex(T.shareKey(shared, binding)),
      plaintext: scalarHex(dealers[share.dealer - 1].evaluate(share.recipient)), tag: toHex(share.ciphertext.slice(32)),
      signed_message: toHex(T.shareMessage(ELECTION, 2, 3, share.dealer, share.recipient, identityKeys[share.dealer - 1],
        announcements[share.dealer - 1].commitments, recipientKey, share.ephemeralKey, share.ciphertext)),
    };
  });
  const ciphertexts = [0, 1].map((i) => elgamal.encryptVector(key.publicKey, embedBytes(utf8(`bulletin ${i}`), 1), elgamal.randomScalars(1, rng)));
  const partials = [], randoms = [];
  for (const k of [keys[0], keys[2]]) {
    const recording = recordingRng(rng);
    partials.push(T.partiallyDecrypt(k, ELECTION, ciphertexts, recording));
    randoms.push(...recording.draws);
  }
  const alphas = ciphertexts.flatMap((v) => v.map((c) => c.alpha));
  const proofDetails = [keys[0], keys[2]].map((k, n) => {
    const statement = T.thresholdContext(ELECTION, k.trustee).points('alphas', alphas).output('nonce');
    const rows = [];
    ciphertexts.forEach((v, i) => v.forEach((ct, j) => {
      const share = partials[n].shares[i][j];
      const nonce = sub(share.s, mul(share.c, k.share));
      rows.push({ nonce: scalarHex(nonce), a: pointHex(baseMul(nonce)), b: pointHex(pointMul(ct.alpha, nonce)) });
    }));
    return { trustee: k.trustee, nonce_random: toHex(randoms[n]), nonce_statement: toHex(statement), components: rows };
  });
  const { plaintexts } = T.verifyAndCombine(key, ELECTION, ciphertexts, partials);
  const faulty = T.partialToJSON(T.partiallyDecrypt(keys[1], ELECTION, ciphertexts, seededRng('vectors/ceremony/faulty')));
  faulty.shares[1][0].d = pointHex(pointFromHex(faulty.shares[1][0].d).add(GENERATOR));
  const faultyPartial = T.partialFromJSON(faulty);
  const combinations = [[partials[0], faultyPartial, partials[1]], [partials[0], faultyPartial]].map((chosen) => {
    const entry = { trustees: chosen.map((p) => p.trustee), dropped: [{ trustee: 2, position: 1 }] };
    let dropped;
    try {
      const result = T.verifyAndCombine(key, ELECTION, ciphertexts, chosen);
      dropped = result.dropped;
      entry.plaintext_points = result.plaintexts.map((v) => v.map(pointHex));
    } catch (e) {
      if (!(e instanceof NotEnoughSharesError)) throw e;
      dropped = e.dropped;
      entry.error = e.code;
    }
    if (JSON.stringify(dropped.map((e) => ({ trustee: e.trustee, position: e.position }))) !== JSON.stringify(entry.dropped)) throw new Error('dropped');
    return entry;
  });
  const lagrange = T.lagrangeCoefficients([1, 3]);
  return {
    seed: 'vectors/ceremony', election: toHex(ELECTION), threshold: 2, count: 3,
    identity_secrets: identities.map((i) => scalarHex(i.secret)), identity_keys: identityKeys.map(pointHex),
    transport_secrets: transportSecrets.map(toHex),
    constant_terms: dealers.map((d) => scalarHex(d.evaluate(0))),
    share_values: dealers.map((d) => [1, 2, 3].map((j) => scalarHex(d.evaluate(j)))),
    announcements: announcements.map(T.announcementToJSON),
    announcement_signed_messages: announcements.map((a) => toHex(T.announcementMessage(ELECTION, 2, 3, a.dealer, identityKeys[a.dealer - 1],
      a.transportKey, a.commitments, a.proof))),
    encrypted_shares: shares.map(T.shareToJSON), envelope_details: envelopes,
    trustee_secret_shares: keys.map((k) => scalarHex(k.share)), election_key: T.electionKeyToJSON(key),
    ciphertexts: ciphertexts.map(vectorJSON), partial_decryptions: partials.map(T.partialToJSON),
    partial_decryption_proofs: proofDetails,
    lagrange: { 1: scalarHex(lagrange.get(1)), 3: scalarHex(lagrange.get(3)) },
    plaintext_points: plaintexts.map((v) => v.map(pointHex)),
    plaintexts: [0, 1].map((i) => toHex(utf8(`bulletin ${i}`))),
    faulty_partial_decryption: faulty, combinations,
  };
}

export function shuffleVectors() {
  const rng = seededRng('vectors/shuffle');
  const key = elgamal.generateKeyPair(rng);
  const n = 4, width = 2;
  const inputs = [...Array(n).keys()].map((i) => elgamal.encryptVector(key.public, embedBytes(utf8(`vote ${i}`), width), elgamal.randomScalars(width, rng)));
  const recording = recordingRng(rng);
  const { outputs, proof, drawn } = T.shuffleAndProve(ELECTION, key.public, inputs, recording);
  const [random] = recording.draws;
  const prefixDigest = T.inputStatement(ELECTION, key.public, width, inputs).output('nonce');
  const verifier = T.verifyShuffle(ELECTION, key.public, inputs, outputs, proof);
  const h = T.commitmentGenerator();
  const gens = [...Array(n).keys()].map(T.shuffleGenerator);
  const sum = (points) => points.reduce((a, b) => a.add(b));
  const u = drawn.u;
  const t1 = baseMul(drawn.omega[0]), t2 = baseMul(drawn.omega[1]);
  const t3 = baseMul(drawn.omega[2]).add(sum(gens.map((g, i) => pointMul(g, drawn.omegaPrime[i]))));
  const t4 = [];
  for (let k = 0; k < width; k++) {
    t4.push(sum(outputs.map((v, i) => pointMul(v[k].alpha, drawn.omegaPrime[i]))).subtract(baseMul(drawn.omega4[k])));
    t4.push(sum(outputs.map((v, i) => pointMul(v[k].beta, drawn.omegaPrime[i]))).subtract(pointMul(key.public, drawn.omega4[k])));
  }
  const tHat = [...Array(n).keys()].map((i) => baseMul(drawn.omegaHat[i]).add(pointMul(drawn.chainPoints[i], drawn.omegaPrime[i])));
  return {
    seed: 'vectors/shuffle', election: toHex(ELECTION), public_key: pointHex(key.public), h: pointHex(h), generators: gens.map(pointHex),
    inputs: inputs.map(vectorJSON), outputs: outputs.map(vectorJSON), proof: T.shuffleProofToJSON(proof), count: n, width,
    prover: {
      nonce_random: toHex(random), nonce_statement: toHex(prefixDigest), permutation: drawn.psi,
      reencryption_randomness: drawn.reenc.map(hexScalars), commitment_randomness: hexScalars(drawn.permR),
      chain_randomness: hexScalars(drawn.rHat), omega: hexScalars(drawn.omega), omega4: hexScalars(drawn.omega4),
      omega_hat: hexScalars(drawn.omegaHat), omega_prime: hexScalars(drawn.omegaPrime), u_permuted: hexScalars(drawn.uPrime),
    },
    u: hexScalars(u), commitment_chain: drawn.chainPoints.map(pointHex),
    verifier: {
      u_product: scalarHex(verifier.uProduct), c_bar: pointHex(verifier.cBar), c_hat: pointHex(verifier.cHat),
      c_tilde: pointHex(verifier.cTilde),
      a_tilde: [...Array(width).keys()].map((k) => pointHex(sum(inputs.map((v, i) => pointMul(v[k].alpha, u[i]))))),
      b_tilde: [...Array(width).keys()].map((k) => pointHex(sum(inputs.map((v, i) => pointMul(v[k].beta, u[i]))))),
    },
    recomputed_commitments: { t1: pointHex(t1), t2: pointHex(t2), t3: pointHex(t3), t4: t4.map(pointHex), t_hat: tHat.map(pointHex) },
  };
}

const shiftScalar = (text) => scalarHex(add(scalarFromHex(text), 1n));
const clone = (v) => JSON.parse(JSON.stringify(v));

export async function negativeVectors() {
  const sig = signatureVectors(), ballot = await ballotVectors(), rangeCases = rangeProofVectors();
  const ceremony = ceremonyVectors(), mix = shuffleVectors();
  const cases = [];
  let bad = clone(sig.signature);
  bad.s = shiftScalar(bad.s);
  let base = { kind: 'signature', code: 'bad_signature', election: sig.election, public_key: sig.public_key, message: sig.message };
  cases.push({ ...base, reason: 'response s changed', signature: bad });
  cases.push({ ...base, reason: 'another message', message: toHex(utf8('another message')), signature: sig.signature });
  const sPlusOrder = scalarFromHex(sig.signature.s) + ORDER;
  cases.push({ ...base, reason: 'response s = s + ℓ (same value mod ℓ, not canonical)', code: 'non_canonical_scalar',
    signature: { ...sig.signature, s: toHex(bigToBytesLE(sPlusOrder, 32)) } });
  cases.push({ ...base, reason: 'unknown field in the signature object', code: 'decoding_error', signature: { ...sig.signature, k: '00'.repeat(32) } });

  const other = deriveAll(credentials.generateLetterCode(seededRng('vectors/negative')), ELECTION);
  const [online, kiosk] = ballot.cases;
  base = { kind: 'ballot', code: 'bad_proof', election: ballot.election, public_key: ballot.public_key, question: online.question,
    width: online.width, ballot: online.ballot };
  cases.push({ ...base, reason: "replayed under another voter's credential (proof fails)", ballot: { ...online.ballot, credential: pointHex(other.public) } });
  cases.push({ ...base, reason: 'checked as the answer to another question', question: 'quartier-sud' });
  let tampered = clone(online.ballot);
  [tampered.ciphertexts[0], tampered.ciphertexts[1]] = [tampered.ciphertexts[1], tampered.ciphertexts[0]];
  cases.push({ ...base, reason: 'ciphertexts reordered', ballot: tampered });
  tampered = clone(online.ballot);
  tampered.ciphertexts[1].alpha = '00'.repeat(32);
  cases.push({ ...base, reason: 'identity point as α_2', code: 'identity_point', ballot: tampered });
  tampered = clone(online.ballot);
  const beta = fromHex(tampered.ciphertexts[0].beta);
  beta[31] |= 0x80;
  tampered.ciphertexts[0].beta = toHex(beta);
  cases.push({ ...base, reason: 'β_1 with its top bit set (not a canonical encoding)', code: 'invalid_point', ballot: tampered });
  cases.push({ ...base, reason: 'seq changed after signing (a replayed place in the chain)', code: 'bad_signature', ballot: { ...online.ballot, seq: 2 } });
  const otherKiosk = await ed25519FromSeed(sha256(utf8('vectors/negative/kiosk')));
  cases.push({ ...base, reason: "kiosk ballot checked under another kiosk's key", code: 'bad_signature', question: kiosk.question,
    width: kiosk.width, ballot: kiosk.ballot, kiosk_key: toHex(otherKiosk.publicKey) });

  const rng = seededRng('vectors/negative/range');
  const key = elgamal.generateKeyPair(rng), voter = elgamal.generateKeyPair(rng);
  const r = randomNonzeroScalar(rng);
  const ct = elgamal.encrypt(key.public, encodeInt(2), r);
  const forged = disjunctive.prove(ELECTION, key.public, voter.public, ct, 1, r, 1, rng);
  cases.push({ kind: 'range_proof', code: 'bad_proof', reason: 'encrypts 2, proof claims 0/1', election: toHex(ELECTION),
    public_key: pointHex(key.public), credential: pointHex(voter.public), maximum: 1, ciphertext: elgamal.ciphertextToJSON(ct),
    proof: disjunctive.rangeProofToJSON(forged) });
  const rc = rangeCases.cases[2];
  cases.push({ kind: 'range_proof', code: 'bad_proof', reason: 'checked with another maximum', election: rangeCases.election,
    public_key: rangeCases.public_key, credential: rangeCases.credential, maximum: 2, ciphertext: rc.ciphertext, proof: rc.proof });

  const electionKey = T.electionKeyFromJSON(ceremony.election_key);
  const cts = ceremony.ciphertexts.map((v) => elgamal.vectorFromJSON(v));
  const wrong = { trustee: 3, share: add(scalarFromHex(ceremony.trustee_secret_shares[2]), 1n), electionKey };
  const partial = T.partiallyDecrypt(wrong, ELECTION, cts, seededRng('vectors/negative/pd'));
  base = { kind: 'partial_decryption', code: 'bad_partial_decryption', election: ceremony.election, election_key: ceremony.election_key,
    ciphertexts: ceremony.ciphertexts };
  cases.push({ ...base, reason: 'decrypted with a wrong key share', partial_decryption: T.partialToJSON(partial), trustee: 3, position: 0 });
  cases.push({ ...base, reason: 'share of the second ciphertext vector (position 1) replaced',
    partial_decryption: ceremony.faulty_partial_decryption, trustee: 2, position: 1 });

  const vks = clone(ceremony.election_key);
  vks.verification_keys[2] = pointHex(pointFromHex(vks.verification_keys[2]).add(GENERATOR));
  cases.push({ kind: 'election_key', code: 'decoding_error', reason: 'X_3 not on the polynomial through X_1, X_2', election_key: vks });
  const announcements = clone(ceremony.announcements);
  announcements[1].transport_key = toHex(Uint8Array.from({ length: 32 }, (_, i) => i));
  cases.push({ kind: 'announcements', code: 'authentication_failure', reason: 'transport key of dealer 2 substituted',
    election: ceremony.election, threshold: 2, count: 3, identity_keys: ceremony.identity_keys, announcements, dealer: 2 });
  const envelope = clone(ceremony.encrypted_shares[1]);
  envelope.recipient = 3;
  cases.push({ kind: 'envelope', code: 'authentication_failure', reason: 'share for trustee 2 redirected to trustee 3',
    election: ceremony.election, threshold: 2, count: 3, identity_keys: ceremony.identity_keys,
    announcements: ceremony.announcements, envelope, dealer: envelope.dealer });

  base = { kind: 'shuffle', code: 'bad_shuffle', election: mix.election, public_key: mix.public_key, inputs: mix.inputs,
    outputs: mix.outputs, proof: mix.proof };
  const swapped = clone(mix.outputs);
  [swapped[0], swapped[1]] = [swapped[1], swapped[0]];
  cases.push({ ...base, reason: 'two outputs swapped', outputs: swapped });
  const altered = clone(mix.outputs);
  altered[2][1].beta = pointHex(pointFromHex(altered[2][1].beta).add(GENERATOR));
  cases.push({ ...base, reason: 'one output altered', outputs: altered });
  const proof = clone(mix.proof);
  proof.s_prime[3] = shiftScalar(proof.s_prime[3]);
  cases.push({ ...base, reason: "response s'_4 changed", proof });
  return { cases };
}
