/**
 * The voter's client (bundle entry `voter-client`): everything the booth, the board
 * lookup and the kiosk do with secrets happens here, on the device, mirroring
 * voting_service/crypto byte for byte (docs/protocol.md §3–§10). The letter code, the
 * login token's preimage (the code) and the credential secret never leave this module:
 * the secret is held in a module-private WeakMap, not on the object, so no JSON.stringify,
 * console.log or postMessage of a credential can carry it.
 *
 * Hex strings are lowercase. `fingerprint` is the election fingerprint (64 hex, SHA-256 of
 * the canonical manifest); `publicKey` the election public key Y (64 hex).
 *
 * API (stable; the booth pages build on it)
 * -----------------------------------------
 * Letter codes and credentials
 *   normaliseLetterCode(text) -> string        ASCII upper case, separators removed; throws
 *   checkLetterCode(text) -> string            … and the check symbol verified
 *   formatLetterCode(text) -> string           "K7MQ2-HX9PA-3TRWZ-E4NC8"
 *   deriveCredential(code, fingerprint) -> VoterCredential
 *       .loginToken        64 hex: the value POSTed as `login_token` to /voter-sessions
 *       .publicCredential  64 hex: the public credential (secret·G)
 *       .toJSON()          {publicCredential} only
 *   publicCredentialFromCode(code, fingerprint) -> 64 hex   (board: "cast with my code?")
 *   Errors: LetterCodeError (err.code 'letter_code_format': wrong character or length) and
 *   its subclass LetterCodeChecksumError ('letter_code_checksum': a typing mistake).
 *
 * Manifest and choices (pb/formats.py, pb/encoding.py)
 *   manifestFingerprint(manifest) -> 64 hex    SHA-256 of the canonical manifest
 *   canonicalText(value) -> string             canonical JSON (record/canonical.py)
 *   questionFormat(question) -> format         from a manifest question {id, budget, format, projects}
 *   validateChoice(format, choice) -> {ok:true, choice} | {ok:false, reasonCode, message}
 *   encodeChoice(format, choice) -> Uint8Array (throws InvalidChoiceError{reasonCode})
 *   decodeChoice(format, bytes) -> like validateChoice (never throws)
 *   ballotWidth(format) -> number              ciphertexts per ballot for the question
 *   REASONS                                    the reason codes (pb/formats.py)
 *   Choices: approval/budget: [projectId…]; cumulative: {projectId: points};
 *   ordinal: [projectId…] best first; grades: {projectId: gradeIndex} (0 = best).
 *
 * Ballots (online)
 *   prepareBallot({fingerprint, publicKey, question, plaintext, width, credential,
 *                  seq = 1, prev = '00'×32, rng?}) -> PreparedBallot
 *       question: the question id; plaintext: Uint8Array from encodeChoice;
 *       seq/prev: the credential's chain for the question (1 and zeros for a first vote,
 *       else last seq + 1 and the last tracker).
 *     PreparedBallot
 *       .tracker   64 hex, shown before the voter decides
 *       .question, .width, .seq
 *       .sign() -> ballot JSON (signed by the credential; the body of POST …/ballots holds
 *                  {"ballots": [one per question]})
 *       .challenge() -> {ballot, opening} JSON for POST …/spoiled (Benaloh check); reveals
 *                  the randomness, so afterwards .sign() refuses: encrypt again.
 *       .plaintext() -> Uint8Array  the plaintext decoded back from the ciphertexts with
 *                  the opening (what a challenge shows)
 *     A PreparedBallot is used once: either signed or challenged.
 *   openBallot(publicKey, ballotJSON, openingJSON, width?) -> Uint8Array  plaintext of a
 *       challenged (published) ballot, checked against its ciphertexts
 *   ballotTracker(fingerprint, ballotJSON) -> 64 hex   recomputed from a ballot
 *   verifyBallot({fingerprint, publicKey, ballot, question, width, kioskKey?, signed?})
 *       -> Promise<void>   throws a CryptoError (err.code: bad_proof, bad_signature,
 *       decoding_error, invalid_point, identity_point, non_canonical_scalar)
 *
 * Kiosk (Ed25519 device key in WebCrypto, never extractable)
 *   generateKioskKey() -> Promise<CryptoKeyPair>
 *   exportKioskPublicKey(publicCryptoKey) -> Promise<64 hex>   to enrol the kiosk
 *   prepareKioskBallot({fingerprint, publicKey, question, plaintext, width, credential
 *                      (64 hex public credential), checkin (64 hex event hash), rng?})
 *       -> PreparedKioskBallot: .tracker, .sign(privateCryptoKey) -> Promise<ballot JSON>,
 *          .challenge(), .plaintext() as above
 *
 * Errors: every crypto failure is a CryptoError subclass with a stable `code`.
 * `rng` (tests and vectors only) is a function n -> Uint8Array; by default the platform
 * CSPRNG (crypto.getRandomValues), and every nonce is hedged (protocol.md §6.6).
 */
import * as ballots from './ballot.js';
import { fromHex, toHex } from './bytes.js';
import { canonicalText, digest } from './canonical.js';
import { ballotWidth, decodeChoice, encodeChoice, InvalidChoiceError, questionFormat, REASONS, validateChoice } from './choices.js';
import * as credentials from './credential.js';
import { DecodingError, ParameterError } from './errors.js';
import { baseMul, pointFromHex, pointHex } from './group.js';

export * from './errors.js';
export { canonicalText, ballotWidth, decodeChoice, encodeChoice, InvalidChoiceError, questionFormat, REASONS, validateChoice };
export const { normaliseLetterCode, checkLetterCode, formatLetterCode } = credentials;

export const PROTOCOL_VERSION = 'voting_service/v1';
export const BALLOT_VERSION = ballots.VERSION;

const SECRETS = new WeakMap();

function readHex(value, bytes, what) {
  if (typeof value !== 'string') throw new DecodingError(`${what} is hexadecimal text`);
  return fromHex(value, bytes);
}

const fingerprintBytes = (fingerprint) => readHex(fingerprint, 32, 'the election fingerprint');

/** What a device derives from a letter code; the secret stays inside this module. */
export class VoterCredential {
  constructor(secret, loginToken) {
    const point = baseMul(secret);
    SECRETS.set(this, { secret, point });
    this.loginToken = toHex(loginToken);
    this.publicCredential = pointHex(point);
    Object.freeze(this);
  }

  toJSON() {
    return { publicCredential: this.publicCredential };
  }
}

export function deriveCredential(code, fingerprint) {
  const election = fingerprintBytes(fingerprint);
  const normalised = credentials.checkLetterCode(code);
  return new VoterCredential(credentials.credentialSecret(normalised, election), credentials.loginToken(normalised, election));
}

export function publicCredentialFromCode(code, fingerprint) {
  return pointHex(credentials.publicCredential(code, fingerprintBytes(fingerprint)));
}

export function manifestFingerprint(manifest) {
  return digest(manifest);
}

function checkPlaintext(plaintext) {
  if (!(plaintext instanceof Uint8Array)) throw new ParameterError('the plaintext is a Uint8Array (from encodeChoice)');
  return plaintext;
}

// A prepared ballot's internals (ballot, opening, randomness source, credential) live here,
// not on the object, so nothing that serialises or logs the object can reveal them.
const PREPARED = new WeakMap();

class Prepared {
  constructor(election, publicKey, ballot, opening, extra = {}) {
    PREPARED.set(this, { election, publicKey, ballot, opening, state: 'ready', ...extra });
    this.tracker = toHex(ballots.tracker(election, ballot));
    this.question = ballot.question;
    this.width = ballot.ciphertexts.length;
    this.seq = ballot.seq;
    Object.freeze(this);
  }

  static _use(self, next) {
    const inner = PREPARED.get(self);
    if (inner.state !== 'ready') {
      throw new ParameterError(inner.state === 'challenged'
        ? 'this ballot was challenged (its randomness is revealed): encrypt again'
        : 'this ballot was already signed');
    }
    inner.state = next;
    return inner;
  }

  /** The plaintext decoded from the ciphertexts with the opening. */
  plaintext() {
    const { publicKey, ballot, opening } = PREPARED.get(this);
    return ballots.openBallot(publicKey, ballot, opening);
  }

  /** Benaloh challenge: the unsigned ballot and its opening (the body of …/spoiled). */
  challenge() {
    const { ballot, opening } = Prepared._use(this, 'challenged');
    return { ballot: ballots.ballotToJSON(ballot), opening: ballots.openingToJSON(opening) };
  }
}

export class PreparedBallot extends Prepared {
  /** The ballot signed by the credential secret, as JSON for POST …/ballots. */
  sign() {
    const { election, ballot, credential, rng } = Prepared._use(this, 'signed');
    const { secret, point } = SECRETS.get(credential);
    return ballots.ballotToJSON(ballots.signOnline(election, ballot, secret, rng, point));
  }
}

export class PreparedKioskBallot extends Prepared {
  /** The ballot signed with the kiosk's Ed25519 CryptoKey, as JSON for …/kiosk-ballots. */
  async sign(kioskPrivateKey) {
    const { election, ballot } = Prepared._use(this, 'signed');
    return ballots.ballotToJSON(await ballots.signKiosk(election, ballot, kioskPrivateKey));
  }
}

export function prepareBallot({ fingerprint, publicKey, question, plaintext, width, credential, seq = 1, prev = null, rng }) {
  if (!(credential instanceof VoterCredential)) throw new ParameterError('credential comes from deriveCredential');
  const election = fingerprintBytes(fingerprint);
  const y = pointFromHex(publicKey);
  const { secret, point } = SECRETS.get(credential);
  const { ballot, opening } = ballots.encrypt(y, election, question, checkPlaintext(plaintext), width, {
    credential: point, seq, prev: prev === null ? ballots.ZERO_TRACKER : readHex(prev, 32, 'prev'), secret, rng,
  });
  return new PreparedBallot(election, y, ballot, opening, { credential, rng });
}

export function prepareKioskBallot({ fingerprint, publicKey, question, plaintext, width, credential, checkin, rng }) {
  const election = fingerprintBytes(fingerprint);
  const y = pointFromHex(publicKey);
  const { ballot, opening } = ballots.encrypt(y, election, question, checkPlaintext(plaintext), width, {
    credential: pointFromHex(credential), checkin: readHex(checkin, 32, 'checkin'), rng,
  });
  return new PreparedKioskBallot(election, y, ballot, opening);
}

export function openBallot(publicKey, ballotJSON, openingJSON, width) {
  const ballot = ballots.ballotFromJSON(ballotJSON, width);
  return ballots.openBallot(pointFromHex(publicKey), ballot, ballots.openingFromJSON(openingJSON));
}

export function ballotTracker(fingerprint, ballotJSON) {
  return toHex(ballots.tracker(fingerprintBytes(fingerprint), ballots.ballotFromJSON(ballotJSON)));
}

export async function verifyBallot({ fingerprint, publicKey, ballot, question, width, kioskKey = null, signed = true }) {
  const b = ballots.ballotFromJSON(ballot);
  await ballots.verify(pointFromHex(publicKey), fingerprintBytes(fingerprint), b, {
    question, width, kioskKey: kioskKey === null ? null : readHex(kioskKey, 32, 'the kiosk key'), signed,
  });
}

export function generateKioskKey() {
  return globalThis.crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']);
}

export async function exportKioskPublicKey(publicKey) {
  return toHex(new Uint8Array(await globalThis.crypto.subtle.exportKey('raw', publicKey)));
}
