// tests/vectors/record/generate.py in JavaScript: the scenario (World), record.json,
// ballot_v2.json, negative.json, and the members of record.zip.
import { sha256 } from '@noble/hashes/sha2.js';
import { fromHex, toHex, utf8 } from '../../src/bytes.js';
import * as ballots from '../../src/ballot.js';
import { canonicalBytes, canonicalText } from '../../src/canonical.js';
import { ballotWidth, encodeChoice, questionFormat } from '../../src/choices.js';
import * as credentials from '../../src/credential.js';
import { pointHex, scalarHex } from '../../src/group.js';
import { recordingRng, seededRng } from '../../src/rng.js';
import { ballotCase, deriveAll } from './builders.js';
import * as R from './record.js';
import { electionKeyToJSON, runKeyCeremony } from './trustee.js';

export const SEED = 'vectors/record';
const START = Date.UTC(2027, 2, 1, 8, 0, 0);
const SERVICE = 'service-key', AUTHORITY = 'authority-key', WITNESS = 'witness-key', WITNESS_NAME = 'Observatoire citoyen';
const KIOSKS = [['ecole-nord-1', 'ecole-nord', 'kiosk-ecole-nord-1'], ['mairie-1', 'mairie', 'kiosk-mairie-1']];

export const ed25519Seed = (label) => sha256(utf8(`${SEED}/${label}`));
const stamp = (ms) => `${new Date(ms).toISOString().slice(0, 19)}.000000Z`;
export const eventTime = (seq) => stamp(START + seq * 60000);
export const headTime = (height) => stamp(START + height * 60000 + 1000);

const project = (id, title, cost, district) => ({ id, title, summary: '', cost, category: '', district, external_ref: '' });

export function manifest() {
  return {
    version: 1, id: 'vectors-2027', title: 'Budget participatif 2027 (vecteurs)', city: 'Villeneuve-Essai',
    starts_at: '2027-03-01T08:00:00Z', ends_at: '2027-03-15T18:00:00Z',
    districts: [{ id: 'nord', name: 'Nord' }, { id: 'sud', name: 'Sud' }],
    polling_points: [{ id: 'mairie', name: 'Mairie', address: '1 place de la Mairie' },
      { id: 'ecole-nord', name: 'École du Nord', address: '4 rue des Écoles' }],
    questions: [
      { id: 'ville', title: 'Toute la ville', district: null, budget: 100000, currency: 'EUR', format: { kind: 'approval', min: 0, max: 2 },
        rule: { rule: 'mes', satisfaction: 'cost' },
        projects: [project('V1', 'Parc des berges', 60000, null), project('V2', 'Pistes cyclables', 30000, null), project('V3', 'Fontaines', 15000, null)] },
      { id: 'nord', title: 'Quartier nord', district: 'nord', budget: 50000, currency: 'EUR', format: { kind: 'budget', cap: null },
        rule: { rule: 'greedy' },
        projects: [project('N1', 'Aire de jeux', 40000, 'nord'), project('N2', 'Jardin partagé', 25000, 'nord'), project('N3', 'Bancs', 10000, 'nord')] },
    ],
  };
}

const clone = (v) => JSON.parse(JSON.stringify(v));

export class Chain {
  constructor(events = []) { this.events = [...events]; }

  append(type, body) {
    const seq = this.events.length + 1;
    const prev = this.events.length ? this.events[this.events.length - 1].hash : R.GENESIS;
    const event = R.makeEvent(seq, prev, type, eventTime(seq), clone(body));
    this.events.push(event);
    return event;
  }
}

export class World {
  static async create() {
    const w = new World();
    w.rng = seededRng(SEED);
    w.manifest = manifest();
    w.fingerprint = sha256(canonicalBytes(w.manifest));
    w.formats = new Map(w.manifest.questions.map((q) => [q.id, questionFormat(q)]));
    w.service = await R.ed25519Key(ed25519Seed(SERVICE));
    w.authority = await R.ed25519Key(ed25519Seed(AUTHORITY));
    w.witness = await R.ed25519Key(ed25519Seed(WITNESS));
    w.kioskKeys = new Map();
    for (const [kid, , label] of KIOSKS) w.kioskKeys.set(kid, await R.ed25519Key(ed25519Seed(label)));
    const ceremony = runKeyCeremony(2, 3, w.fingerprint, w.rng);
    w.key = ceremony.key;
    w.trustees = ceremony.keys;
    w.voters = new Map();
    w.questions = new Map();
    for (const [name, qs] of [['A', ['nord', 'ville']], ['B', ['nord', 'ville']], ['C', ['ville']], ['D', ['ville']], ['D2', ['ville']]]) {
      w.voters.set(name, deriveAll(credentials.generateLetterCode(w.rng), w.fingerprint));
      w.questions.set(name, qs);
    }
    w.chain = new Chain();
    w.ballots = new Map();
    w.trackers = new Map();
    w.draws = new Map();
    w.seqOf = new Map();
    return w;
  }

  public(name) { return pointHex(this.voters.get(name).public); }
  plaintext(question, choice) { return encodeChoice(this.formats.get(question), choice); }

  encrypt(name, question, choice, { seq = 1, prev = ballots.ZERO_TRACKER, checkin = null, rng = null } = {}) {
    const voter = this.voters.get(name);
    return ballots.encrypt(this.key.publicKey, this.fingerprint, question, this.plaintext(question, choice),
      ballotWidth(this.formats.get(question)), { credential: voter.public, seq, prev, checkin, rng: rng ?? this.rng,
        secret: checkin === null ? voter.secret : null });
  }

  online(label, name, question, choice, { seq = 1, prev = ballots.ZERO_TRACKER, rng = null } = {}) {
    const recording = recordingRng(rng ?? this.rng);
    const { ballot, opening } = this.encrypt(name, question, choice, { seq, prev, rng: recording });
    const signed = ballots.signOnline(this.fingerprint, ballot, this.voters.get(name).secret, recording);
    this.ballots.set(label, [signed, opening, choice]);
    this.draws.set(label, recording.draws);
    this.trackers.set(label, toHex(ballots.tracker(this.fingerprint, signed)));
    return signed;
  }

  async kiosk(label, name, question, choice, checkin, kiosk, rng = null) {
    const recording = recordingRng(rng ?? this.rng);
    const { ballot, opening } = this.encrypt(name, question, choice, { checkin, rng: recording });
    const signed = await this.signKiosk(ballot, kiosk);
    this.ballots.set(label, [signed, opening, choice]);
    this.draws.set(label, recording.draws);
    this.trackers.set(label, toHex(ballots.tracker(this.fingerprint, signed)));
    return signed;
  }

  async signKiosk(ballot, kiosk) {
    return { ...ballot, signature: await this.kioskKeys.get(kiosk).sign(ballots.message(this.fingerprint, ballot)) };
  }

  cast(label, kiosk = null, chain = null) {
    const ballot = this.ballots.get(label)[0];
    const event = (chain ?? this.chain).append('ballot', { ballot: ballots.ballotToJSON(ballot), tracker: this.trackers.get(label), kiosk });
    if (chain === null) this.seqOf.set(label, event.seq);
    return event;
  }

  credentialEntries() {
    return ['A', 'B', 'C', 'D'].map((n) => ({ credential: this.public(n), questions: [...this.questions.get(n)].sort() }))
      .sort((a, b) => (a.credential < b.credential ? -1 : 1));
  }

  async build() {
    const c = this.chain, fp = this.fingerprint;
    c.append('manifest', { manifest: this.manifest, fingerprint: toHex(fp), service_key: toHex(this.service.publicKey) });
    c.append('election_key', { election_key: electionKeyToJSON(this.key) });
    for (const [kid, point] of KIOSKS) c.append('kiosk_enrolled', { kiosk: kid, polling_point: point, public_key: toHex(this.kioskKeys.get(kid).publicKey) });
    const entries = this.credentialEntries();
    c.append('credentials', { path: 'authority', authority_key: toHex(this.authority.publicKey), credentials: entries,
      signature: toHex(await this.authority.sign(R.listMessage(fp, entries))) });
    c.append('opening', { credentials: entries.length });
    const [revoked, fresh, qs] = [this.public('D'), this.public('D2'), this.questions.get('D2')];
    c.append('credential_reissued', { revoked, credential: fresh, questions: qs,
      signature: toHex(await this.authority.sign(R.reissueMessage(fp, revoked, fresh, qs))) });
    this.online('A-ville-1', 'A', 'ville', ['V1']);
    this.cast('A-ville-1');
    this.online('A-nord-1', 'A', 'nord', ['N1', 'N3']);
    this.cast('A-nord-1');
    this.online('A-ville-2', 'A', 'ville', ['V2', 'V3'], { seq: 2, prev: fromHex(this.trackers.get('A-ville-1')) });
    this.cast('A-ville-2');
    const { ballot: spoiled, opening } = this.encrypt('B', 'ville', ['V1', 'V2']);
    this.ballots.set('B-ville-spoiled', [spoiled, opening, ['V1', 'V2']]);
    this.trackers.set('B-ville-spoiled', toHex(ballots.tracker(fp, spoiled)));
    const plaintext = ballots.openBallot(this.key.publicKey, spoiled, opening);
    const event = c.append('spoiled', { ballot: ballots.ballotToJSON(spoiled), tracker: this.trackers.get('B-ville-spoiled'),
      opening: ballots.openingToJSON(opening), plaintext: toHex(plaintext) });
    this.seqOf.set('B-ville-spoiled', event.seq);
    this.online('B-ville-1', 'B', 'ville', ['V1']);
    this.cast('B-ville-1');
    this.online('B-nord-1', 'B', 'nord', ['N2']);
    this.cast('B-nord-1');
    this.checkin = c.append('checkin', { credential: this.public('B'), polling_point: 'ecole-nord', officer: 'agent-07' });
    await this.kiosk('B-nord-kiosk', 'B', 'nord', ['N1'], this.checkin.hash, 'ecole-nord-1');
    this.cast('B-nord-kiosk', 'ecole-nord-1');
    await this.kiosk('B-ville-kiosk', 'B', 'ville', ['V3'], this.checkin.hash, 'ecole-nord-1');
    this.cast('B-ville-kiosk', 'ecole-nord-1');
    this.online('D2-ville-1', 'D2', 'ville', []);
    this.cast('D2-ville-1');
    c.append('kiosk_revoked', { kiosk: 'mairie-1', reason: 'écran cassé' });
    c.append('closing', { ballots_cast: 8, ballots_counted: { nord: 2, ville: 3 } });
    this.heads = [];
    for (const h of ['A-ville-1', 'A-nord-1', 'A-ville-2', 'B-ville-1', 'B-nord-1', 'B-ville-kiosk', 'D2-ville-1'].map((l) => this.seqOf.get(l)).concat([c.events.length])) {
      this.heads.push(await R.signHead(this.service, fp, h, c.events[h - 1].hash, headTime(h)));
    }
    const last = c.events[c.events.length - 1];
    this.witnesses = [await R.signHead(this.witness, fp, last.seq, last.hash, headTime(last.seq + 60), WITNESS_NAME)];
  }
}

export async function buildWorld() {
  const w = await World.create();
  await w.build();
  return w;
}

const keyJSON = (label, key) => ({ seed_label: `${SEED}/${label}`, private_seed: toHex(ed25519Seed(label)), public_key: toHex(key.publicKey) });

export async function recordVectors(w) {
  const events = w.chain.events;
  const report = await R.verifyRecord({ events, heads: w.heads, witnesses: w.witnesses });
  return {
    seed: SEED, fingerprint: toHex(w.fingerprint),
    keys: { service: keyJSON(SERVICE, w.service), authority: keyJSON(AUTHORITY, w.authority), witness: keyJSON(WITNESS, w.witness),
      kiosks: Object.fromEntries(KIOSKS.map(([kid, , label]) => [kid, keyJSON(label, w.kioskKeys.get(kid))])) },
    trustee_secret_shares: w.trustees.map((t) => scalarHex(t.share)),
    voters: [...w.voters].map(([n, v]) => ({ name: n, letter_code: v.code, credential_secret: scalarHex(v.secret),
      credential: pointHex(v.public), questions: w.questions.get(n) })),
    ballots: [...w.seqOf.keys()].map((label) => {
      const [ballot, opening, choice] = w.ballots.get(label);
      return { label, event: w.seqOf.get(label), tracker: w.trackers.get(label), plaintext: toHex(w.plaintext(ballot.question, choice)),
        randomness: opening.randomness.map(scalarHex) };
    }),
    events: events.map(R.eventJSON),
    event_hash_inputs: events.slice(0, 2).map((e) => canonicalText({ seq: e.seq, prev: toHex(e.prev), type: e.type, at: e.at, body: e.body })),
    heads: w.heads.map(R.headJSON),
    head_messages: w.heads.map((h) => toHex(R.headMessage(w.fingerprint, h.height, h.hash))),
    witnesses: w.witnesses.map(R.headJSON),
    authority_list_message: toHex(R.listMessage(w.fingerprint, w.credentialEntries())),
    verify: report,
  };
}

export async function ballotV2Vectors(w) {
  const fp = w.fingerprint;
  const y = w.key.publicKey;
  const kiosk = w.kioskKeys.get('ecole-nord-1');
  const caseOf = (label, ballot, opening, draws, choice, signer) => ({ label, choice, ...ballotCase(y, fp, ballot, opening, draws, signer) });
  let [b, opening, choice] = w.ballots.get('A-ville-2');
  const cases = [caseOf('online (A, ville, seq 2)', b, opening, w.draws.get('A-ville-2'), choice, { secret: w.voters.get('A').secret })];
  [b, opening, choice] = w.ballots.get('B-ville-kiosk');
  const kioskCase = caseOf('kiosk (B, ville, after check-in)', b, opening, w.draws.get('B-ville-kiosk'), choice,
    { kioskSeed: ed25519Seed(KIOSKS[0][2]), kioskPublicKey: kiosk.publicKey });
  cases.push({ ...kioskCase, kiosk: 'ecole-nord-1', checkin_event: w.checkin.seq });
  const rng = recordingRng(seededRng('vectors/record/width-2'));
  const voter = w.voters.get('C');
  const enc = ballots.encrypt(y, fp, 'exemple-large', Uint8Array.from({ length: 40 }, (_, i) => i), 2,
    { credential: voter.public, seq: 3, prev: Uint8Array.from({ length: 32 }, (_, i) => i), secret: voter.secret, rng });
  const signed = ballots.signOnline(fp, enc.ballot, voter.secret, rng);
  cases.push(caseOf('online, width 2 (C, outside the record)', signed, enc.opening, rng.draws, null, { secret: voter.secret }));
  return { seed: SEED, width_2_seed: 'vectors/record/width-2', election: toHex(fp), public_key: pointHex(y),
    election_key: electionKeyToJSON(w.key), cases };
}

export async function negativeVectors(w) {
  const base = w.chain.events;
  const fp = w.fingerprint;
  const rng = seededRng('vectors/record/negative');
  const cases = [];
  const after = (seq) => new Chain(base.slice(0, seq));
  const caseOf = async (name, reason, keep, appended, check, event, heads = [], witnesses = []) => {
    const report = await R.verifyRecord({ events: [...base.slice(0, keep), ...appended], heads, witnesses });
    if (report.ok || report.failure.check !== check || report.failure.event !== event) {
      throw new Error(`${name}: ${JSON.stringify(report.failure)}`);
    }
    cases.push({ name, reason, keep, events: appended.map(R.eventJSON), heads: heads.map(R.headJSON), witnesses: witnesses.map(R.headJSON),
      expected: { check, event, type: report.failure.type } });
  };
  let chain = after(w.seqOf.get('A-ville-2'));
  let e = w.cast('A-ville-1', null, chain);
  await caseOf('replayed_older_ballot', "A's first ballot for ville cast again after its successor", e.seq - 1, [e], 'ballots', e.seq);
  chain = after(w.seqOf.get('A-ville-2'));
  w.online('fork', 'A', 'ville', ['V3'], { seq: 2, prev: fromHex(w.trackers.get('A-ville-1')), rng });
  e = w.cast('fork', null, chain);
  await caseOf('fork', 'a second ballot with seq 2 and the same prev (the chain forks)', e.seq - 1, [e], 'ballots', e.seq);
  chain = after(w.seqOf.get('A-ville-2'));
  w.online('restart', 'A', 'ville', ['V1'], { rng });
  e = w.cast('restart', null, chain);
  await caseOf('restarted_chain', 'a fresh seq 1 ballot after the chain has two ballots', e.seq - 1, [e], 'ballots', e.seq);
  chain = after(w.checkin.seq);
  await w.kiosk('other-point', 'B', 'nord', ['N1'], w.checkin.hash, 'mairie-1', rng);
  e = w.cast('other-point', 'mairie-1', chain);
  await caseOf('kiosk_at_other_polling_point', 'a kiosk ballot by a kiosk of another polling point', e.seq - 1, [e], 'kiosk_binding', e.seq);
  chain = after(w.seqOf.get('B-ville-kiosk'));
  await w.kiosk('second-kiosk', 'B', 'ville', ['V1'], w.checkin.hash, 'ecole-nord-1', rng);
  e = w.cast('second-kiosk', 'ecole-nord-1', chain);
  await caseOf('second_kiosk_ballot', 'a second kiosk ballot for the same check-in and question', e.seq - 1, [e], 'kiosk_binding', e.seq);
  chain = after(w.checkin.seq);
  w.online('after-checkin', 'B', 'nord', ['N3'], { seq: 2, prev: fromHex(w.trackers.get('B-nord-1')), rng });
  e = w.cast('after-checkin', null, chain);
  await caseOf('online_after_checkin', "B's online successor ballot after B checked in", e.seq - 1, [e], 'ballots', e.seq);
  const spoiled = w.ballots.get('B-ville-spoiled')[0];
  const signedSpoiled = ballots.signOnline(fp, spoiled, w.voters.get('B').secret, rng);
  chain = after(w.seqOf.get('B-ville-spoiled'));
  e = chain.append('ballot', { ballot: ballots.ballotToJSON(signedSpoiled), tracker: w.trackers.get('B-ville-spoiled'), kiosk: null });
  await caseOf('cast_spoiled_ballot', 'the challenged (spoiled) ballot, signed and cast', e.seq - 1, [e], 'spoiled', e.seq);
  let body = clone(base[4].body);
  const sig = fromHex(body.signature);
  sig[0] ^= 1;
  body.signature = toHex(sig);
  chain = after(4);
  e = chain.append('credentials', body);
  await caseOf('bad_authority_signature', "the credential list's authority signature is altered", 4, [e], 'credential_list', e.seq);
  body = clone(base[6].body);
  body.signature = toHex(await w.service.sign(R.reissueMessage(fp, body.revoked, body.credential, body.questions)));
  chain = after(6);
  e = chain.append('credential_reissued', body);
  await caseOf('reissue_signed_by_another_key', "a reissue signed by the service key, not the authority's", 6, [e], 'credential_reissues', e.seq);
  chain = after(w.seqOf.get('D2-ville-1'));
  w.online('revoked', 'D', 'ville', ['V1'], { rng });
  e = w.cast('revoked', null, chain);
  await caseOf('revoked_credential_votes', 'a ballot under the credential revoked by the reissue', e.seq - 1, [e], 'ballots', e.seq);
  w.online('not-eligible', 'C', 'nord', ['N2'], { rng });
  chain = after(w.seqOf.get('D2-ville-1'));
  e = w.cast('not-eligible', null, chain);
  await caseOf('question_not_eligible', 'C (district sud) answers the nord question', e.seq - 1, [e], 'ballots', e.seq);
  const { ballot } = w.encrypt('B', 'nord', ['N2'], { checkin: w.checkin.hash, rng });
  const forged = await w.signKiosk(ballot, 'mairie-1');
  chain = after(w.checkin.seq);
  e = chain.append('ballot', { ballot: ballots.ballotToJSON(forged), tracker: toHex(ballots.tracker(fp, forged)), kiosk: 'ecole-nord-1' });
  await caseOf('kiosk_signature_by_another_key', 'a kiosk ballot named for one kiosk, signed by another', e.seq - 1, [e], 'ballots', e.seq);
  const edited = base[w.seqOf.get('A-nord-1') - 1];
  body = clone(edited.body);
  body.kiosk = 'ecole-nord-1';
  const bad = { ...edited, body };
  await caseOf('edited_event', "an event's body changed after it was hashed", edited.seq - 1, [bad], 'chain', edited.seq);
  chain = after(base.length - 1);
  e = chain.append('closing', { ballots_cast: 8, ballots_counted: { nord: 2, ville: 4 } });
  await caseOf('wrong_closing_counts', 'the closing claims 4 counted ballots for ville, the policy gives 3', base.length - 1, [e], 'counting', e.seq);
  chain = after(base.length);
  w.online('after-closing', 'C', 'ville', ['V2'], { rng });
  e = w.cast('after-closing', null, chain);
  await caseOf('ballot_after_closing', "C's first ballot, appended after the closing", base.length, [e], 'lifecycle', e.seq);
  const height = w.seqOf.get('B-nord-1');
  const rewritten = await R.signHead(w.service, fp, height, sha256(utf8('another')), headTime(height));
  await caseOf('head_not_in_chain', 'a service head (validly signed) naming a hash the record does not have at its height',
    base.length, [], 'head_signatures', height, [...w.heads, rewritten]);
  const last = base[base.length - 1];
  const wrong = await R.signHead(w.witness, sha256(utf8('another election')), last.seq, last.hash, headTime(last.seq + 60), WITNESS_NAME);
  await caseOf('witness_bad_signature', "a witness signature made over another election's fingerprint", base.length, [], 'witnesses', last.seq, w.heads, [wrong]);
  return { seed: 'vectors/record/negative', base: 'record.json', cases };
}

/** The members of record.zip, as record/archive.write_record writes them. */
export function zipMembers(w) {
  const lines = (items) => Buffer.concat(items.map((i) => Buffer.concat([Buffer.from(canonicalBytes(i)), Buffer.from('\n')])));
  return {
    'events.jsonl': Buffer.concat(w.chain.events.map((e) => Buffer.concat([Buffer.from(R.eventLine(e)), Buffer.from('\n')]))),
    'heads.jsonl': lines(w.heads.map(R.headJSON)),
    'witnesses.jsonl': lines(w.witnesses.map(R.headJSON)),
  };
}
