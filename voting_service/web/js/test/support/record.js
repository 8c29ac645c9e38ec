// The public election record (voting_service/record/) in JavaScript, for the Node tests:
// events and their hash chain, the authority's and the heads' signed messages, Ed25519
// signatures through WebCrypto, and the verifier's walk (record/verify.py) with its named
// checks, so that record.json, negative.json and ballot_v2.json can be rebuilt byte for
// byte and every negative record is refused at the same check and event as in Python.
import { sha256 } from '@noble/hashes/sha2.js';
import { concat, fromHex, toHex, utf8 } from '../../src/bytes.js';
import * as ballots from '../../src/ballot.js';
import { canonicalBytes } from '../../src/canonical.js';
import { ballotWidth, questionFormat } from '../../src/choices.js';
import { CryptoError } from '../../src/errors.js';
import { pointFromHex } from '../../src/group.js';
import { Transcript } from '../../src/transcript.js';
import { electionKeyFromJSON } from './trustee.js';

export const GENESIS = new Uint8Array(32);
export const EVENT_TYPES = ['manifest', 'election_key', 'kiosk_enrolled', 'kiosk_revoked', 'credentials', 'opening',
  'credential_reissued', 'checkin', 'ballot', 'spoiled', 'closing'];

export function eventHash(seq, prev, type, at, body) {
  const unsigned = { seq, prev: toHex(prev), type, at, body };
  return new Transcript('record/event').bytes('event', canonicalBytes(unsigned)).output('hash').slice(0, 32);
}

export function makeEvent(seq, prev, type, at, body) {
  if (!EVENT_TYPES.includes(type)) throw new Error(`unknown event type ${type}`);
  return { seq, prev, type, at, body, hash: eventHash(seq, prev, type, at, body) };
}

export const eventJSON = (e) => ({ seq: e.seq, prev: toHex(e.prev), type: e.type, at: e.at, body: e.body, hash: toHex(e.hash) });
export const eventLine = (e) => canonicalBytes(eventJSON(e));

export function listMessage(fingerprint, credentials) {
  return new Transcript('credentials/list').bytes('election', fingerprint).bytes('list', canonicalBytes(credentials)).output('message');
}

export function reissueMessage(fingerprint, revoked, credential, questions) {
  return new Transcript('credentials/reissue').bytes('election', fingerprint).text('revoked', revoked).text('credential', credential)
    .bytes('questions', canonicalBytes(questions)).output('message');
}

export function headMessage(fingerprint, height, hash) {
  return new Transcript('record/head').bytes('election', fingerprint).integer('height', height).bytes('hash', hash).output('message');
}

// --- Ed25519 (WebCrypto) ---------------------------------------------------------------------

const PKCS8_ED25519 = fromHex('302e020100300506032b657004220420');

export async function ed25519Key(seed) {
  const subtle = globalThis.crypto.subtle;
  const privateKey = await subtle.importKey('pkcs8', concat(PKCS8_ED25519, seed), { name: 'Ed25519' }, true, ['sign']);
  const jwk = await subtle.exportKey('jwk', privateKey);
  const publicKey = Uint8Array.from(Buffer.from(jwk.x, 'base64url'));
  return {
    publicKey,
    sign: async (message) => new Uint8Array(await subtle.sign({ name: 'Ed25519' }, privateKey, message)),
  };
}

export async function ed25519Valid(publicKey, signature, message) {
  try {
    const key = await globalThis.crypto.subtle.importKey('raw', publicKey, { name: 'Ed25519' }, false, ['verify']);
    return await globalThis.crypto.subtle.verify({ name: 'Ed25519' }, key, signature, message);
  } catch {
    return false;
  }
}

const HEX_RE = /^(?:[0-9a-f]{2})*$/;

function strictHex(value, size) {
  if (typeof value !== 'string' || !HEX_RE.test(value) || (size !== undefined && value.length !== 2 * size)) {
    throw new RangeError('not lowercase hexadecimal of the expected length');
  }
  return fromHex(value);
}

async function authoritySignatureValid(keyHex, message, signatureHex) {
  if (typeof keyHex !== 'string' || keyHex.length !== 64 || !HEX_RE.test(keyHex)
      || typeof signatureHex !== 'string' || signatureHex.length !== 128 || !HEX_RE.test(signatureHex)) return false;
  return ed25519Valid(fromHex(keyHex), fromHex(signatureHex), message);
}

export async function signHead(key, fingerprint, height, hash, signedAt = '', signer = 'service') {
  return { height, hash, signature: await key.sign(headMessage(fingerprint, height, hash)), key: key.publicKey, signedAt, signer };
}

export const headJSON = (h) => ({ height: h.height, hash: toHex(h.hash), key: toHex(h.key), signature: toHex(h.signature),
  signed_at: h.signedAt, signer: h.signer });

// --- the verifier (record/verify.py) --------------------------------------------------------------

export const CHECKS = ['chain', 'manifest', 'head_signatures', 'witnesses', 'election_key', 'kiosks', 'credential_list',
  'credential_reissues', 'lifecycle', 'checkins', 'ballots', 'kiosk_binding', 'spoiled', 'counting'];
const CHECK_OF_TYPE = { manifest: 'manifest', election_key: 'election_key', kiosk_enrolled: 'kiosks', kiosk_revoked: 'kiosks',
  credentials: 'credential_list', opening: 'lifecycle', credential_reissued: 'credential_reissues', checkin: 'checkins',
  ballot: 'ballots', spoiled: 'spoiled', closing: 'counting' };

class CheckFailed extends Error {
  constructor(check, seq, message) {
    super(message);
    Object.assign(this, { check, seq });
  }
}

const isCount = (v) => Number.isSafeInteger(v) && v >= 0;
const sameSet = (keys, fields) => keys.length === fields.length && fields.every((f) => keys.includes(f));

function questionList(questions, specs) {
  return Array.isArray(questions) && questions.length > 0 && questions.every((q) => typeof q === 'string')
    && new Set(questions).size === questions.length && questions.every((q) => specs.has(q));
}

function questionSpecs(manifest) {
  const specs = new Map();
  for (const q of manifest.questions) specs.set(q.id, { width: ballotWidth(questionFormat(q)) });
  return specs;
}

function validPoint(hex) {
  try {
    pointFromHex(hex);
    return true;
  } catch {
    return false;
  }
}

class Walk {
  constructor(record) {
    Object.assign(this, {
      record, crypto: [], fingerprint: new Uint8Array(0), serviceKey: new Uint8Array(0), specs: new Map(),
      pollingPoints: new Set(), electionKey: null, phase: 'setup', credentials: null, authorityKey: null,
      kiosks: new Map(), kioskKeys: new Set(), checkinEvents: new Map(), chains: new Map(), kioskVotes: new Map(),
      cast: new Set(), castCiphertexts: new Set(), spoiled: new Set(), spoiledCiphertexts: new Set(), passed: new Set(),
      ballotsCast: 0, checkins: 0, closing: null,
    });
  }

  fail(check, event, message) { throw new CheckFailed(check, event ? event.seq : null, message); }

  body(event, check, fields) {
    if (!sameSet(Object.keys(event.body), fields)) this.fail(check, event, `${event.type} body must have exactly ${fields}`);
    return event.body;
  }

  needPhase(event, ...phases) {
    if (!phases.includes(this.phase)) this.fail('lifecycle', event, `${event.type} is not allowed while the election is ${this.phase}`);
  }

  credential(event, check, value) {
    if (this.credentials === null || typeof value !== 'string' || !this.credentials.has(value)) {
      this.fail(check, event, 'the credential is not on the frozen credential list');
    }
    const cred = this.credentials.get(value);
    if (!cred.active) this.fail(check, event, 'the credential was revoked (its letter was reissued)');
    return cred;
  }

  async run() {
    let prev = GENESIS;
    let index = 0;
    for (const event of this.record.events) {
      index += 1;
      if (event.seq !== index) this.fail('chain', event, `event ${index} expected, found seq ${event.seq}`);
      if (toHex(event.prev) !== toHex(prev)) this.fail('chain', event, "does not follow the previous event's hash");
      if (toHex(eventHash(event.seq, event.prev, event.type, event.at, event.body)) !== toHex(event.hash)) {
        this.fail('chain', event, 'its hash does not match its content (edited event)');
      }
      if (index === 1 && event.type !== 'manifest') this.fail('manifest', event, 'the record must start with the manifest');
      try {
        await this[`on_${event.type}`](event);
      } catch (e) {
        if (e instanceof CheckFailed) throw e;
        this.fail(CHECK_OF_TYPE[event.type], event, `malformed ${event.type} body: ${e.name}`);
      }
      prev = event.hash;
    }
    if (!this.record.events.length) this.fail('manifest', null, 'the record is empty');
    this.passed.add('chain');
  }

  on_manifest(event) {
    if (event.seq !== 1) this.fail('manifest', event, 'a second manifest event');
    const body = this.body(event, 'manifest', ['manifest', 'fingerprint', 'service_key']);
    if (toHex(sha256(canonicalBytes(body.manifest))) !== body.fingerprint) this.fail('manifest', event, 'the fingerprint is not the SHA-256 of the manifest');
    try {
      this.specs = questionSpecs(body.manifest);
      this.pollingPoints = new Set(body.manifest.polling_points.map((p) => p.id));
      this.serviceKey = strictHex(body.service_key, 32);
    } catch (e) {
      this.fail('manifest', event, `the manifest cannot be read: ${e.message}`);
    }
    this.fingerprint = fromHex(body.fingerprint);
    this.passed.add('manifest');
  }

  on_election_key(event) {
    this.needPhase(event, 'setup');
    if (this.electionKey !== null) this.fail('election_key', event, 'a second election key');
    const body = this.body(event, 'election_key', ['election_key']);
    try {
      this.electionKey = electionKeyFromJSON(body.election_key);
    } catch (e) {
      this.fail('election_key', event, `invalid election key: ${e.message}`);
    }
    this.passed.add('election_key');
  }

  on_kiosk_enrolled(event) {
    this.needPhase(event, 'setup', 'open');
    const body = this.body(event, 'kiosks', ['kiosk', 'polling_point', 'public_key']);
    const { kiosk, polling_point: point } = body;
    if (typeof kiosk !== 'string' || !kiosk || this.kiosks.has(kiosk)) this.fail('kiosks', event, 'a kiosk id is a new non-empty string');
    if (typeof point !== 'string' || !this.pollingPoints.has(point)) this.fail('kiosks', event, 'unknown polling point');
    let key;
    try {
      key = strictHex(body.public_key, 32);
    } catch {
      key = new Uint8Array(0);
    }
    if (key.length !== 32 || this.kioskKeys.has(toHex(key))) this.fail('kiosks', event, 'a kiosk key is 32 new bytes');
    this.kiosks.set(kiosk, { pollingPoint: point, key, active: true });
    this.kioskKeys.add(toHex(key));
    this.passed.add('kiosks');
  }

  on_kiosk_revoked(event) {
    const body = this.body(event, 'kiosks', ['kiosk', 'reason']);
    const kiosk = typeof body.kiosk === 'string' ? this.kiosks.get(body.kiosk) : undefined;
    if (!kiosk || !kiosk.active) this.fail('kiosks', event, 'revokes no enrolled, active kiosk');
    kiosk.active = false;
  }

  async on_credentials(event) {
    this.needPhase(event, 'setup');
    if (this.credentials !== null) this.fail('credential_list', event, 'a second credential list');
    const body = this.body(event, 'credential_list', ['path', 'authority_key', 'credentials', 'signature']);
    const entries = body.credentials;
    if (!['server', 'authority'].includes(body.path) || !Array.isArray(entries)) this.fail('credential_list', event, 'path or credentials');
    const credentials = new Map();
    for (const entry of entries) {
      if (entry === null || typeof entry !== 'object' || !sameSet(Object.keys(entry), ['credential', 'questions'])) {
        this.fail('credential_list', event, 'each entry has credential and questions');
      }
      if (!validPoint(entry.credential)) this.fail('credential_list', event, 'not a valid point');
      if (credentials.has(entry.credential)) this.fail('credential_list', event, 'listed twice');
      if (!questionList(entry.questions, this.specs)) this.fail('credential_list', event, 'unknown questions');
      credentials.set(entry.credential, { questions: new Set(entry.questions), active: true, checkin: null, checkinPoint: null });
    }
    const listed = entries.map((e) => e.credential);
    if (JSON.stringify(listed) !== JSON.stringify([...listed].sort())) this.fail('credential_list', event, 'the list is not sorted by credential');
    if (body.path === 'authority') {
      if (!(await authoritySignatureValid(body.authority_key, listMessage(this.fingerprint, entries), body.signature))) {
        this.fail('credential_list', event, "the authority's signature does not verify");
      }
    } else if (body.authority_key !== null || body.signature !== null) {
      this.fail('credential_list', event, 'an unsigned list names no authority');
    }
    this.credentials = credentials;
    this.authorityKey = body.authority_key;
    this.passed.add('credential_list');
  }

  on_opening(event) {
    this.needPhase(event, 'setup');
    this.body(event, 'lifecycle', ['credentials']);
    if (this.electionKey === null || this.credentials === null) this.fail('lifecycle', event, 'opening needs the key and the list');
    if (!isCount(event.body.credentials)) throw new TypeError('a count');
    if (event.body.credentials !== this.credentials.size) this.fail('lifecycle', event, 'another number of credentials');
    this.phase = 'open';
    this.passed.add('lifecycle');
  }

  async on_credential_reissued(event) {
    this.needPhase(event, 'open');
    const body = this.body(event, 'credential_reissues', ['revoked', 'credential', 'questions', 'signature']);
    const cred = this.credential(event, 'credential_reissues', body.revoked);
    if (cred.checkin !== null) this.fail('credential_reissues', event, 'a voter who checked in keeps their credential');
    const { credential: fresh, questions } = body;
    if (!validPoint(fresh)) this.fail('credential_reissues', event, 'the new credential is not a valid point');
    if (this.credentials.has(fresh)) this.fail('credential_reissues', event, 'the new credential is already listed');
    if (!questionList(questions, this.specs)) this.fail('credential_reissues', event, 'unknown questions');
    if (this.authorityKey !== null) {
      if (!(await authoritySignatureValid(this.authorityKey, reissueMessage(this.fingerprint, body.revoked, fresh, questions), body.signature))) {
        this.fail('credential_reissues', event, "the authority's signature does not verify");
      }
    } else if (body.signature !== null) {
      this.fail('credential_reissues', event, 'an unsigned list has unsigned reissues');
    }
    cred.active = false;
    this.credentials.set(fresh, { questions: new Set(questions), active: true, checkin: null, checkinPoint: null });
    this.passed.add('credential_reissues');
  }

  on_checkin(event) {
    this.needPhase(event, 'open');
    const body = this.body(event, 'checkins', ['credential', 'polling_point', 'officer']);
    const cred = this.credential(event, 'checkins', body.credential);
    if (typeof body.polling_point !== 'string' || !this.pollingPoints.has(body.polling_point)) this.fail('checkins', event, 'unknown polling point');
    if (cred.checkin !== null) this.fail('checkins', event, 'this credential already checked in');
    cred.checkin = toHex(event.hash);
    cred.checkinPoint = body.polling_point;
    this.checkinEvents.set(toHex(event.hash), body.credential);
    this.checkins += 1;
    this.passed.add('checkins');
  }

  readBallot(event, check) {
    let ballot;
    try {
      ballot = ballots.ballotFromJSON(event.body.ballot);
    } catch (e) {
      if (e instanceof CryptoError) this.fail(check, event, `unreadable ballot: ${e.message}`);
      throw e;
    }
    const spec = this.specs.get(ballot.question);
    if (!spec) this.fail(check, event, 'unknown question');
    if (ballot.ciphertexts.length !== spec.width) this.fail(check, event, 'width');
    if (this.electionKey === null) this.fail('lifecycle', event, 'a ballot before the election key');
    const tracker = toHex(ballots.tracker(this.fingerprint, ballot));
    if (event.body.tracker !== tracker) this.fail(check, event, "the tracker is not the ballot's");
    return { ballot, spec, tracker };
  }

  on_ballot(event) {
    this.needPhase(event, 'open');
    const body = this.body(event, 'ballots', ['ballot', 'tracker', 'kiosk']);
    const { ballot, spec, tracker } = this.readBallot(event, 'ballots');
    const publicHex = toHex(ballot.credential.toBytes());
    const cred = this.credential(event, 'ballots', publicHex);
    if (!cred.questions.has(ballot.question)) this.fail('ballots', event, 'this credential may not answer the question');
    const digest = ballots.ciphertextsDigest(ballot);
    if (this.cast.has(tracker) || this.castCiphertexts.has(digest)) this.fail('ballots', event, 'the same ballot twice');
    if (this.spoiled.has(tracker) || this.spoiledCiphertexts.has(digest)) this.fail('spoiled', event, 'a challenged ballot was cast');
    let kioskKey = null;
    if (ballot.checkin === null) {
      if (body.kiosk !== null) this.fail('ballots', event, 'an online ballot names no kiosk');
      if (cred.checkin !== null) this.fail('ballots', event, 'an online ballot after the voter checked in');
      const key = `${publicHex}/${ballot.question}`;
      const chain = this.chains.get(key) ?? [];
      this.chains.set(key, chain);
      if (ballot.seq !== chain.length + 1 || toHex(ballot.prev) !== (chain.length ? chain[chain.length - 1] : toHex(GENESIS))) {
        this.fail('ballots', event, 'out of chain order (replay or fork)');
      }
      chain.push(tracker);
    } else {
      const kiosk = typeof body.kiosk === 'string' ? this.kiosks.get(body.kiosk) : undefined;
      if (!kiosk || !kiosk.active) this.fail('kiosk_binding', event, 'signed by no enrolled, active kiosk');
      if (this.checkinEvents.get(toHex(ballot.checkin)) !== publicHex) this.fail('kiosk_binding', event, 'names no check-in of this credential');
      if (kiosk.pollingPoint !== cred.checkinPoint) this.fail('kiosk_binding', event, 'the kiosk is at another polling point');
      const vote = `${toHex(ballot.checkin)}/${ballot.question}`;
      if (this.kioskVotes.has(vote)) this.fail('kiosk_binding', event, 'a second kiosk ballot for this check-in');
      this.kioskVotes.set(vote, tracker);
      kioskKey = kiosk.key;
      this.passed.add('kiosk_binding');
    }
    this.cast.add(tracker);
    this.castCiphertexts.add(digest);
    this.ballotsCast += 1;
    this.crypto.push({ seq: event.seq, check: 'ballots', ballot, width: spec.width, kioskKey, signed: true });
    this.passed.add('ballots');
  }

  on_spoiled(event) {
    this.needPhase(event, 'open');
    const body = this.body(event, 'spoiled', ['ballot', 'tracker', 'opening', 'plaintext']);
    const { ballot, spec, tracker } = this.readBallot(event, 'spoiled');
    const digest = ballots.ciphertextsDigest(ballot);
    if (this.cast.has(tracker) || this.castCiphertexts.has(digest)) this.fail('spoiled', event, 'a cast ballot cannot be challenged afterwards');
    if (this.spoiled.has(tracker) || this.spoiledCiphertexts.has(digest)) this.fail('spoiled', event, 'the same challenged ballot twice');
    let plaintext;
    try {
      plaintext = ballots.openBallot(this.electionKey.publicKey, ballot, ballots.openingFromJSON(body.opening));
    } catch (e) {
      if (e instanceof CryptoError) this.fail('spoiled', event, `the opening does not open the ballot: ${e.message}`);
      throw e;
    }
    if (toHex(plaintext) !== body.plaintext) this.fail('spoiled', event, 'the published choice is not what the ballot holds');
    this.spoiled.add(tracker);
    this.spoiledCiphertexts.add(digest);
    this.crypto.push({ seq: event.seq, check: 'spoiled', ballot, width: spec.width, kioskKey: null, signed: false });
    this.passed.add('spoiled');
  }

  on_closing(event) {
    this.needPhase(event, 'open');
    this.closing = this.body(event, 'counting', ['ballots_cast', 'ballots_counted']);
    this.closingEvent = event;
    this.phase = 'closed';
  }

  async cryptoFailure(limit) {
    for (const task of this.crypto) {
      if (limit !== null && task.seq >= limit) return null;
      try {
        await ballots.verify(this.electionKey.publicKey, this.fingerprint, task.ballot, {
          question: task.ballot.question, width: task.width, kioskKey: task.kioskKey, signed: task.signed,
        });
      } catch (e) {
        if (e instanceof CryptoError) return new CheckFailed(task.check, task.seq, `proof or signature: ${e.message}`);
        throw e;
      }
    }
    return null;
  }

  counted() {
    const out = {};
    for (const q of this.specs.keys()) out[q] = [];
    for (const publicHex of [...(this.credentials ?? new Map()).keys()].sort()) {
      const cred = this.credentials.get(publicHex);
      if (!cred.active) continue;
      for (const question of [...cred.questions].sort()) {
        let tracker;
        if (cred.checkin !== null) tracker = this.kioskVotes.get(`${cred.checkin}/${question}`);
        else {
          const chain = this.chains.get(`${publicHex}/${question}`);
          tracker = chain ? chain[chain.length - 1] : undefined;
        }
        if (tracker !== undefined) out[question].push(tracker);
      }
    }
    return out;
  }
}

async function checkHeads(walk, heads, check, service) {
  const chain = new Map(walk.record.events.map((e) => [e.seq, toHex(e.hash)]));
  for (const head of heads) {
    if (chain.get(head.height) !== toHex(head.hash)) throw new CheckFailed(check, head.height, 'a head the record does not have');
    if (service !== (head.signer === 'service')) throw new CheckFailed(check, head.height, 'signer name');
    if (service && toHex(head.key) !== toHex(walk.serviceKey)) throw new CheckFailed(check, head.height, 'not the service key');
    if (!(await ed25519Valid(head.key, head.signature, headMessage(walk.fingerprint, head.height, head.hash)))) {
      throw new CheckFailed(check, head.height, 'the head signature does not verify');
    }
  }
}

function checkCounting(walk) {
  if (walk.closing === null) return;
  const counted = walk.counted();
  const claimed = walk.closing;
  if (!isCount(claimed.ballots_cast)) throw new TypeError('a count');
  if (claimed.ballots_cast !== walk.ballotsCast) throw new CheckFailed('counting', walk.closingEvent.seq, 'ballots cast');
  const recomputed = Object.fromEntries(Object.entries(counted).map(([q, t]) => [q, t.length]));
  const claimedCounts = claimed.ballots_counted;
  const same = claimedCounts !== null && typeof claimedCounts === 'object' && !Array.isArray(claimedCounts)
    && sameSet(Object.keys(claimedCounts), Object.keys(recomputed))
    && Object.entries(recomputed).every(([q, n]) => claimedCounts[q] === n);
  if (!same) throw new CheckFailed('counting', walk.closingEvent.seq, 'counted ballots');
  walk.passed.add('counting');
}

/** verify_record: the report as record/verify.py's VerifyReport.to_json() gives it (the
 * failure's message left out: the vectors name the check, the event and its type). */
export async function verifyRecord(record) {
  const walk = new Walk(record);
  let failure = null;
  try {
    await walk.run();
  } catch (e) {
    if (!(e instanceof CheckFailed)) throw e;
    failure = e;
  }
  const crypto = await walk.cryptoFailure(failure && failure.seq ? failure.seq : null);
  if (crypto) failure = crypto;
  if (failure === null) {
    try {
      await checkHeads(walk, record.heads, 'head_signatures', true);
      walk.passed.add('head_signatures');
      await checkHeads(walk, record.witnesses, 'witnesses', false);
      if (record.witnesses.length) walk.passed.add('witnesses');
      checkCounting(walk);
    } catch (e) {
      if (!(e instanceof CheckFailed)) throw e;
      failure = e;
    }
  }
  const checks = {};
  for (const name of CHECKS) {
    if (failure !== null && name === failure.check) checks[name] = 'failed';
    else if (walk.passed.has(name)) checks[name] = 'passed';
    else checks[name] = failure === null ? 'not_applicable' : 'not_reached';
  }
  const counted = failure === null ? walk.counted() : {};
  const events = record.events;
  const event = failure ? events.find((e) => e.seq === failure.seq) : null;
  return {
    ok: failure === null, events: events.length, head: events.length ? toHex(events[events.length - 1].hash) : '', checks,
    failure: failure === null ? null : { check: failure.check, event: failure.seq, type: event ? event.type : null },
    ballots_cast: walk.ballotsCast, spoiled: walk.spoiled.size, checkins: walk.checkins,
    ballots_counted: Object.fromEntries(Object.entries(counted).map(([q, t]) => [q, t.length])), counted,
  };
}

export { utf8 };
