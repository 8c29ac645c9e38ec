// The builders of tests/vectors/generate.py, in JavaScript: each returns the object that
// Python writes to <name>.json, drawing from the same SeededRng in the same order, so that
// render(builder()) must equal the stored file byte for byte.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, fromHex, toHex, u64be, utf8 } from '../../src/bytes.js';
import * as ballots from '../../src/ballot.js';
import { canonicalBytes, canonicalText } from '../../src/canonical.js';
import * as credentials from '../../src/credential.js';
import * as disjunctive from '../../src/disjunctive.js';
import { embedBytes, encodeInt } from '../../src/embedding.js';
import * as elgamal from '../../src/elgamal.js';
import * as encryptionProof from '../../src/encryption_proof.js';
import {
  GENERATOR, ORDER, add, baseMul, bigToBytesLE, isValidEncoding, mul, pointFromUniformBytes, pointHex, pointMul,
  randomNonzeroScalar, randomScalar, scalarFromWide, scalarHex, scalarToBytes, sub,
} from './group_all.js';
import { recordingRng, seededRng } from '../../src/rng.js';
import * as signature from '../../src/signature.js';
import { Transcript, hashToPoint } from '../../src/transcript.js';
import { item, items, nonceStreamBlock, output, P, ristrettoDecodeFailure } from './vectors.js';

export const ELECTION = fromHex('a1'.repeat(32));
const hexScalars = (values) => values.map(scalarHex);
const leBytes = (n) => bigToBytesLE(BigInt(n), 32);

// --- group.json -------------------------------------------------------------------------

function invalidPointExamples() {
  const found = new Map();
  for (let s = 0; s < 200; s += 2) {
    const enc = leBytes(s);
    const reason = ristrettoDecodeFailure(enc);
    if (reason && !found.has(reason)) found.set(reason, enc);
  }
  const g = GENERATOR.toBytes();
  const gInt = BigInt(`0x${toHex(Uint8Array.from(g).reverse())}`);
  const topBit = Uint8Array.from(g);
  topBit[31] |= 0x80;
  const one = new Uint8Array(32);
  one[0] = 1;
  const fixed = [leBytes(P - 1n), leBytes(P), leBytes(P + 2n), leBytes(gInt + P), topBit, one, leBytes(P - gInt)];
  const out = [{ encoding: '00'.repeat(32), reason: 'identity (valid, refused by this protocol)' }];
  for (const enc of [...found.values(), ...fixed]) {
    const reason = ristrettoDecodeFailure(enc);
    if (reason === null || isValidEncoding(enc)) throw new Error(`expected an invalid encoding: ${toHex(enc)}`);
    out.push({ encoding: toHex(enc), reason });
  }
  for (let s = 0; s < 400; s += 2) { // the reference decoder agrees with noble
    const enc = leBytes(s);
    if ((ristrettoDecodeFailure(enc) === null) !== (isValidEncoding(enc) || s === 0)) throw new Error(`decoders disagree on ${s}`);
  }
  return out;
}

export function groupVectors() {
  const rng = seededRng('vectors/group');
  const scalars = [1n, 2n, ORDER - 1n, randomScalar(rng), randomScalar(rng), randomScalar(rng)];
  const point = baseMul(randomNonzeroScalar(rng));
  const wide = [rng(64), rng(64)];
  return {
    seed: 'vectors/group', order: ORDER.toString(), generator: pointHex(GENERATOR),
    base_mult: scalars.map((s) => ({ scalar: scalarHex(s), point: pointHex(baseMul(s)) })),
    scalar_mult: scalars.slice(3).map((s) => ({ point: pointHex(point), scalar: scalarHex(s), result: pointHex(pointMul(point, s)) })),
    addition: { a: pointHex(point), b: pointHex(GENERATOR), sum: pointHex(point.add(GENERATOR)) },
    wide_reduction: wide.map((w) => ({ bytes: toHex(w), scalar: scalarHex(scalarFromWide(w)) })),
    uniform_bytes_to_point: wide.map((w) => ({ bytes: toHex(w), point: pointHex(pointFromUniformBytes(w)) })),
    hash_to_point: [['shuffle/h', 0], ['shuffle/generator', 0], ['shuffle/generator', 1], ['shuffle/generator', 9999]]
      .map(([label, index]) => ({ label, index, point: pointHex(hashToPoint(label, index)) })),
    invalid_points: invalidPointExamples(),
    invalid_scalars: [toHex(leBytes(ORDER)), toHex(leBytes(2n ** 256n - 1n))],
  };
}

// --- transcript.json --------------------------------------------------------------------

export function transcriptVectors() {
  const p = baseMul(5n);
  const t = new Transcript('example').bytes('election', ELECTION).text('question', 'ville').integer('count', 3)
    .scalar('s', 7n).point('p', p).points('ps', [p, GENERATOR]).scalars('ss', [1n, 2n]);
  const raw = items([1, 'domain', utf8('voting_service/v1/example')], [2, 'election', ELECTION], [3, 'question', utf8('ville')],
    [4, 'count', u64be(3)], [5, 's', scalarToBytes(7n)], [6, 'p', p.toBytes()], [7, 'ps', concat(p.toBytes(), GENERATOR.toBytes())],
    [8, 'ss', concat(scalarToBytes(1n), scalarToBytes(2n))]);
  return {
    items: [
      { tag: 1, label: 'domain', value: 'voting_service/v1/example' },
      { tag: 2, label: 'election', value: toHex(ELECTION) },
      { tag: 3, label: 'question', value: 'ville' },
      { tag: 4, label: 'count', value: 3 },
      { tag: 5, label: 's', value: scalarHex(7n) },
      { tag: 6, label: 'p', value: pointHex(p) },
      { tag: 7, label: 'ps', value: [pointHex(p), pointHex(GENERATOR)] },
      { tag: 8, label: 'ss', value: [scalarHex(1n), scalarHex(2n)] },
    ],
    transcript_bytes: toHex(raw),
    outputs: [0, 1].map((i) => ({ label: 'c', index: i, output: toHex(t.output('c', i)), challenge: scalarHex(t.challenge('c', i)) })),
  };
}

// --- embedding.json, elgamal.json ---------------------------------------------------------

export function embeddingVectors() {
  const cases = [[new Uint8Array(0), 1], [Uint8Array.of(1, 2, 3), 1], [Uint8Array.from({ length: 29 }, (_, i) => i), 1],
    [utf8('budget participatif'.repeat(3)), 2]];
  return {
    bytes_per_point: 30,
    bytes: cases.map(([payload, width]) => ({ payload: toHex(payload), width, points: embedBytes(payload, width).map(pointHex) })),
    integers: [0, 1, 2, 1000].map((v) => ({ value: v, point: v ? pointHex(encodeInt(v)) : null })),
  };
}

export function elgamalVectors() {
  const rng = seededRng('vectors/elgamal');
  const key = elgamal.generateKeyPair(rng);
  const payload = utf8('oui');
  const message = embedBytes(payload, 1)[0];
  const r = randomNonzeroScalar(rng), r2 = randomNonzeroScalar(rng);
  const ct = elgamal.encrypt(key.public, message, r);
  const again = elgamal.reencrypt(key.public, ct, r2);
  return {
    seed: 'vectors/elgamal', secret_key: scalarHex(key.secret), public_key: pointHex(key.public),
    message_payload: toHex(payload), message: pointHex(message), randomness: scalarHex(r),
    ciphertext: elgamal.ciphertextToJSON(ct), reencryption_randomness: scalarHex(r2),
    reencrypted: elgamal.ciphertextToJSON(again), sum: elgamal.ciphertextToJSON(elgamal.addCiphertexts(ct, again)),
  };
}

// --- credential.json ----------------------------------------------------------------------

export function deriveAll(code, election) {
  const normalised = credentials.checkLetterCode(code);
  const secret = credentials.credentialSecret(normalised, election);
  return { code: normalised, loginToken: credentials.loginToken(normalised, election), secret, public: baseMul(secret) };
}

export function credentialVectors() {
  const rng = seededRng('vectors/credential');
  const out = [];
  for (let i = 0; i < 3; i++) {
    const code = credentials.generateLetterCode(rng);
    const c = deriveAll(code, ELECTION);
    out.push({ printed: code, typed: code.toLowerCase().replaceAll('-', ' '), normalised: c.code,
      login_token: toHex(c.loginToken), secret: scalarHex(c.secret), public_credential: pointHex(c.public) });
  }
  const first = out[0].normalised;
  const swapped = first[0] !== first[1] ? first[1] + first[0] + first.slice(2) : first.slice(0, 2) + first[3] + first[2] + first.slice(4);
  const separators = [' ', '\t', '\r', '\n', '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '_', '.'];
  if (!first.includes('S')) throw new Error('the long-s case needs an S in the code');
  const separated = [...first.toLowerCase()].map((symbol, i) => symbol + (i < separators.length ? separators[i] : '')).join('');
  return {
    seed: 'vectors/credential', election: toHex(ELECTION), codes: out,
    separated: { typed: separated, normalised: first },
    rejected: [
      { typed: credentials.formatLetterCode(first).slice(0, -1), error: 'format' },
      { typed: swapped, error: 'checksum' },
      { typed: `O${first.slice(1)}`, error: 'format' },
      { typed: first.replace('S', '\u017f'), error: 'format' },
      { typed: `${first.slice(0, -2)}\u00df`, error: 'format' },
      { typed: `${first.slice(0, 5)}\u00a0${first.slice(5)}`, error: 'format' },
    ],
  };
}

// --- signature.json -----------------------------------------------------------------------

export function signatureVectors() {
  const rng = seededRng('vectors/signature');
  const key = elgamal.generateKeyPair(rng);
  const message = utf8('message to sign');
  const recording = recordingRng(rng);
  const sig = signature.sign(ELECTION, key.secret, message, recording);
  const [random] = recording.draws;
  const k = sub(sig.response, mul(sig.challenge, key.secret));
  const statement = signature.statement(signature.BALLOT_PURPOSE, ELECTION, key.public, message).output('nonce');
  if (scalarFromWide(nonceStreamBlock(random, [scalarToBytes(key.secret)], statement, 0)) !== k) throw new Error('nonce');
  return {
    seed: 'vectors/signature', election: toHex(ELECTION), purpose: signature.BALLOT_PURPOSE,
    secret_key: scalarHex(key.secret), public_key: pointHex(key.public), message: toHex(message),
    nonce_random: toHex(random), nonce_statement: toHex(statement), nonce: scalarHex(k),
    commitment: pointHex(baseMul(k)), signature: signature.signatureToJSON(sig),
  };
}

// --- ballots (ballot.json, record/ballot_v2.json) -----------------------------------------

export function randomnessTranscript(election, publicKey, ballot, plaintext) {
  return items([1, 'domain', utf8('voting_service/v1/ballot/randomness')], [2, 'election', election],
    [6, 'public_key', publicKey.toBytes()], [3, 'question', utf8(ballot.question)], [6, 'credential', ballot.credential.toBytes()],
    [4, 'seq', u64be(ballot.seq)], [2, 'prev', ballot.prev], [2, 'checkin', ballot.checkin ?? new Uint8Array(0)],
    [2, 'plaintext', plaintext], [4, 'width', u64be(ballot.ciphertexts.length)]);
}

export function bodyTranscript(election, ballot) {
  const points = concat(...ballot.ciphertexts.flatMap((c) => [c.alpha.toBytes(), c.beta.toBytes()]));
  const scalars = concat(...[ballot.proof.challenge, ...ballot.proof.responses].map(scalarToBytes));
  return items([1, 'domain', utf8('voting_service/v1/ballot/body/v2')], [2, 'election', election],
    [3, 'question', utf8(ballot.question)], [6, 'credential', ballot.credential.toBytes()], [4, 'seq', u64be(ballot.seq)],
    [2, 'prev', ballot.prev], [2, 'checkin', ballot.checkin ?? new Uint8Array(0)], [7, 'ciphertexts', points], [8, 'proof', scalars]);
}

function check(condition, what) {
  if (!condition) throw new Error(`inconsistent vector: ${what}`);
}

/** ballot_case of generate.py: a v2 ballot with every intermediate value, each checked. */
export function ballotCase(publicKey, election, ballot, opening, draws, { secret = null, kioskSeed = null, kioskPublicKey = null } = {}) {
  const plaintext = ballots.openBallot(publicKey, ballot, opening);
  const width = ballot.ciphertexts.length;
  const [randomR, randomProof, ...randomSig] = draws;
  const hedge = secret === null ? [] : [scalarToBytes(secret)];
  const statement = randomnessTranscript(election, publicKey, ballot, plaintext);
  const rStatement = output(statement, 'nonce');
  opening.randomness.forEach((r, k) => check(scalarFromWide(nonceStreamBlock(randomR, hedge, rStatement, k)) === r, 'randomness'));
  const c = ballot.proof.challenge;
  const nonces = ballot.proof.responses.map((s, i) => sub(s, mul(c, opening.randomness[i])));
  const proofStatement = encryptionProof.statement(election, publicKey, ballot.credential, ballot.question, ballot.ciphertexts).output('nonce');
  nonces.forEach((u, k) => check(scalarFromWide(nonceStreamBlock(randomProof, opening.randomness.map(scalarToBytes), proofStatement, k)) === u, 'proof nonce'));
  const body = bodyTranscript(election, ballot);
  const message = output(body, 'message'), tracker = output(body, 'tracker').slice(0, 32);
  check(toHex(message) === toHex(ballots.message(election, ballot)) && toHex(tracker) === toHex(ballots.tracker(election, ballot)), 'body');
  const out = {
    question: ballot.question, width, plaintext: toHex(plaintext), embedded: embedBytes(plaintext, width).map(pointHex),
    randomness_transcript: toHex(statement), randomness_nonce_random: toHex(randomR), randomness_nonce_statement: toHex(rStatement),
    randomness: hexScalars(opening.randomness), proof_nonce_random: toHex(randomProof), proof_nonce_statement: toHex(proofStatement),
    proof_nonces: hexScalars(nonces), proof_commitments: nonces.map((u) => pointHex(baseMul(u))),
    body_transcript: toHex(body), message: toHex(message), tracker: toHex(tracker),
  };
  if (ballot.checkin === null) {
    check(randomSig.length === 1, 'one signature draw');
    const k = sub(ballot.signature.response, mul(ballot.signature.challenge, secret));
    const sigStatement = signature.statement(signature.BALLOT_PURPOSE, election, ballot.credential, message).output('nonce');
    check(scalarFromWide(nonceStreamBlock(randomSig[0], [scalarToBytes(secret)], sigStatement, 0)) === k, 'signature nonce');
    Object.assign(out, {
      signer: 'credential', credential_secret: scalarHex(secret), signature_nonce_random: toHex(randomSig[0]),
      signature_nonce_statement: toHex(sigStatement), signature_nonce: scalarHex(k), signature_commitment: pointHex(baseMul(k)),
    });
  } else {
    check(randomSig.length === 0, 'Ed25519 signatures are deterministic');
    Object.assign(out, { signer: 'kiosk', kiosk_private_seed: toHex(kioskSeed), kiosk_public_key: toHex(kioskPublicKey) });
  }
  Object.assign(out, { ballot: ballots.ballotToJSON(ballot), opening: ballots.openingToJSON(opening) });
  return out;
}

const PKCS8_ED25519 = fromHex('302e020100300506032b657004220420');

/** A WebCrypto Ed25519 key pair from a 32-byte seed (the vectors fix the kiosk's seed). */
export async function ed25519FromSeed(seed) {
  const subtle = globalThis.crypto.subtle;
  const privateKey = await subtle.importKey('pkcs8', concat(PKCS8_ED25519, seed), { name: 'Ed25519' }, true, ['sign']);
  const jwk = await subtle.exportKey('jwk', privateKey);
  const publicKey = fromHex(Buffer.from(jwk.x, 'base64url').toString('hex'));
  return { privateKey, publicKey };
}

/**
 * recipes.run_key_ceremony(1, 1, …) as far as the ballot vector needs it: the election key
 * Y = a·G (one trustee: t = 1, X_1 = Y), drawing from rng exactly what the Python
 * ceremony draws, in order (identity key, X25519 transport key, coefficient, proof of
 * knowledge nonce, announcement signature nonce, share ephemeral key, envelope signature).
 */
export function oneTrusteeKey(rng) {
  randomNonzeroScalar(rng); // identity secret
  rng(32); // X25519 transport secret
  const a = randomNonzeroScalar(rng);
  rng(64); // hedged Schnorr proof of knowledge
  rng(64); // hedged announcement signature
  rng(32); // ephemeral X25519 secret of the one share
  rng(64); // hedged envelope signature
  const y = baseMul(a);
  return { public_key: pointHex(y), threshold: 1, verification_keys: [pointHex(y)], point: y };
}

export async function ballotVectors() {
  const rng = seededRng('vectors/ballot');
  const key = oneTrusteeKey(rng);
  const y = key.point;
  const voter = deriveAll(credentials.generateLetterCode(rng), ELECTION);
  let recording = recordingRng(rng);
  let { ballot, opening } = ballots.encrypt(y, ELECTION, 'quartier-nord', Uint8Array.from({ length: 40 }, (_, i) => i), 2,
    { credential: voter.public, secret: voter.secret, rng: recording });
  const online = ballots.signOnline(ELECTION, ballot, voter.secret, recording);
  const cases = [{ label: 'online', ...ballotCase(y, ELECTION, online, opening, recording.draws, { secret: voter.secret }) }];
  const kioskSeed = sha256(utf8('vectors/ballot/kiosk'));
  const checkin = sha256(utf8('vectors/ballot/checkin'));
  recording = recordingRng(rng);
  ({ ballot, opening } = ballots.encrypt(y, ELECTION, 'ville', Uint8Array.of(5), 1, { credential: voter.public, checkin, rng: recording }));
  const kioskKey = await ed25519FromSeed(kioskSeed);
  const kiosk = await ballots.signKiosk(ELECTION, ballot, kioskKey.privateKey);
  cases.push({ label: 'kiosk', ...ballotCase(y, ELECTION, kiosk, opening, recording.draws, { kioskSeed, kioskPublicKey: kioskKey.publicKey }) });
  const { point, ...electionKey } = key;
  return {
    seed: 'vectors/ballot', election: toHex(ELECTION), public_key: pointHex(y), election_key: electionKey,
    letter_code: voter.code, credential: pointHex(voter.public),
    kiosk_seed: 'SHA-256("vectors/ballot/kiosk")',
    checkin: 'SHA-256("vectors/ballot/checkin"), standing for a check-in event\'s hash',
    cases,
  };
}

// --- range_proof.json -----------------------------------------------------------------------

export function rangeProofVectors() {
  const rng = seededRng('vectors/range');
  const key = elgamal.generateKeyPair(rng), voter = elgamal.generateKeyPair(rng);
  const cases = [];
  for (const [value, maximum] of [[0, 1], [1, 1], [2, 3]]) {
    const r = randomNonzeroScalar(rng);
    const ct = elgamal.encrypt(key.public, encodeInt(value), r);
    const recording = recordingRng(rng);
    const proof = disjunctive.prove(ELECTION, key.public, voter.public, ct, value, r, maximum, recording);
    const statement = disjunctive.statement(ELECTION, key.public, voter.public, maximum, ct).output('nonce');
    const commitments = proof.challenges.map((cj, j) => {
      const shifted = j ? ct.beta.subtract(pointMul(GENERATOR, BigInt(j))) : ct.beta;
      return { a: pointHex(baseMul(proof.responses[j]).subtract(pointMul(ct.alpha, cj))),
        b: pointHex(pointMul(key.public, proof.responses[j]).subtract(pointMul(shifted, cj))) };
    });
    const total = proof.challenges.reduce(add, 0n);
    const trueNonce = sub(proof.responses[value], mul(proof.challenges[value], r));
    check(pointHex(baseMul(trueNonce)) === commitments[value].a, 'true branch');
    check(scalarFromWide(nonceStreamBlock(recording.draws[0], [scalarToBytes(r), scalarToBytes(BigInt(value))], statement, 0)) === trueNonce, 'range nonce');
    cases.push({
      value, maximum, randomness: scalarHex(r), ciphertext: elgamal.ciphertextToJSON(ct), nonce_random: toHex(recording.draws[0]),
      nonce_statement: toHex(statement), true_branch_nonce: scalarHex(trueNonce),
      simulated_branches: [...Array(maximum + 1).keys()].filter((j) => j !== value),
      commitments, challenge: scalarHex(total), proof: disjunctive.rangeProofToJSON(proof),
    });
  }
  return { seed: 'vectors/range', election: toHex(ELECTION), public_key: pointHex(key.public), credential: pointHex(voter.public), cases };
}

// --- manifest.json ---------------------------------------------------------------------------

export function manifestVectors() {
  const project = {
    title: 'Bancs "confort" / accès PMR', id: 'p-bancs', cost: 45000,
    summary: 'Phase 1\tquartier\nvoir C:\\plans — 🌳\u2028fin\u001f\u007f\b\f\r',
    category: 'Espace public', district: 'nord', external_ref: null,
  };
  const manifest = {
    version: 1, id: 'pb-2026', title: 'Budget participatif 2026', city: 'Évry',
    starts_at: '2026-03-01T08:00:00Z', ends_at: '2026-03-15T18:00:00Z',
    districts: [{ id: 'nord', name: 'Quartier Nord' }, { id: 'sud', name: 'Sud' }],
    polling_points: [{ id: 'mairie', name: 'Hôtel de ville', address: "1 place de l'Église" }],
    questions: [{
      id: 'ville', title: 'Projets pour toute la ville', district: null, budget: 300000, currency: 'EUR',
      format: { kind: 'approval', min: 0, max: 3 }, rule: { rule: 'mes', satisfaction: 'cost' },
      projects: [project, { ...project, id: 'p-arbres', cost: 120000, title: 'Arbres ｡ 😀', summary: '', external_ref: 'CONSUL-17', district: null }],
    }],
  };
  const canonical = canonicalBytes(manifest);
  return { manifest, canonical: canonicalText(manifest), canonical_hex: toHex(canonical), fingerprint: toHex(sha256(canonical)) };
}
