// A question's ballot format, the voter's choice checked against its limits, and the
// fixed-width binary plaintext that gets encrypted, mirroring pb/formats.py and
// pb/encoding.py (the layout is in docs/decisions.md): a little-endian integer of
// width_bytes bytes holding n fields of w bits, field i in bits [i·w, (i+1)·w).
//
// Choices are given as: approval/budget — an array of project ids; cumulative — an
// object {projectId: points}; ordinal — an array of project ids, best first; grades — an
// object {projectId: gradeIndex} (0 is the best grade). `validateChoice` answers
// {ok: true, choice} in canonical form or {ok: false, reasonCode, message} with the
// reason codes of pb/formats.py, which the pages translate for the voter.
import { BYTES_PER_POINT } from './embedding.js';

export const REASONS = Object.freeze({
  WRONG_LENGTH: 'wrong-length', NON_CANONICAL: 'non-canonical-padding', UNKNOWN_PROJECT: 'unknown-project',
  DUPLICATE_PROJECT: 'duplicate-project', TOO_FEW: 'too-few', TOO_MANY: 'too-many', OVER_CAP: 'over-cap',
  BAD_POINTS: 'bad-points', OVER_TOTAL: 'over-total', DUPLICATE_RANK: 'duplicate-rank', RANK_GAP: 'rank-gap',
  TOO_FEW_RANKS: 'too-few-ranks', TOO_MANY_RANKS: 'too-many-ranks', BAD_GRADE: 'bad-grade',
  MISSING_GRADE: 'missing-grade', NOT_A_CHOICE: 'not-a-choice',
});

export class FormatError extends Error {}

export class InvalidChoiceError extends Error {
  constructor(invalid) {
    super(`${invalid.reasonCode}: ${invalid.message}`);
    this.name = 'InvalidChoiceError';
    this.reasonCode = invalid.reasonCode;
  }
}

const SPEC_KEYS = {
  approval: ['min', 'max'], budget: ['cap', 'min'], cumulative: ['max_per_project', 'max_total'],
  ordinal: ['k', 'points', 'min'], grades: ['grades', 'default'],
};

const isWhole = (v) => typeof v === 'number' && Number.isSafeInteger(v);
const has = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
const invalid = (reasonCode, message) => ({ ok: false, reasonCode, message });

function whole(spec, key, { low, high = null, fallback, nullable = false }) {
  if (!has(spec, key)) {
    if (fallback === undefined) throw new FormatError(`${spec.kind} format needs '${key}'`);
    return fallback;
  }
  const value = spec[key];
  if (value === null && nullable) return null;
  if (!isWhole(value)) throw new FormatError(`'${key}' must be a whole number, not ${JSON.stringify(value)}`);
  if (value < low || (high !== null && value > high)) {
    throw new FormatError(`'${key}' must be ${high !== null ? `between ${low} and ${high}` : `at least ${low}`}, not ${value}`);
  }
  return value;
}

function amount(value, what) {
  if (!isWhole(value) && !(typeof value === 'bigint')) throw new FormatError(`${what} must be a whole number`);
  return BigInt(value);
}

/**
 * The format of one manifest question ({id, budget, format, projects: [{id, cost}]}),
 * as pb.formats.parse_format builds it; FormatError on a spec that is not one.
 */
export function questionFormat(question) {
  const projects = question?.projects;
  if (!Array.isArray(projects) || !projects.length) throw new FormatError('a question needs at least one project');
  const ids = projects.map((p) => p.id);
  if (!ids.every((id) => typeof id === 'string' && id)) throw new FormatError('project ids are non-empty strings');
  if (new Set(ids).size !== ids.length) throw new FormatError('project ids must be unique');
  const spec = question.format;
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new FormatError('the vote format must be a JSON object');
  const kind = spec.kind;
  if (!has(SPEC_KEYS, kind)) throw new FormatError(`unknown ballot kind ${JSON.stringify(kind)}`);
  const unknown = Object.keys(spec).filter((k) => k !== 'kind' && !SPEC_KEYS[kind].includes(k)).sort();
  if (unknown.length) throw new FormatError(`unknown keys for a ${kind} format: ${unknown.join(', ')}`);
  const m = ids.length;
  const base = { kind, projects: Object.freeze(ids) };
  if (kind === 'approval') {
    const min = whole(spec, 'min', { low: 0, high: m, fallback: 0 });
    const max = whole(spec, 'max', { low: Math.max(min, 1), fallback: null, nullable: true });
    return Object.freeze({ ...base, min, max: max === null || max >= m ? null : max });
  }
  if (kind === 'budget') {
    const cap = amount(spec.cap === undefined || spec.cap === null ? question.budget : spec.cap, 'cap');
    if (cap < 0n) throw new FormatError("'cap' cannot be negative");
    const min = whole(spec, 'min', { low: 0, high: m, fallback: 0 });
    return Object.freeze({ ...base, costs: Object.freeze(projects.map((p) => amount(p.cost, `cost of project '${p.id}'`))), cap, min });
  }
  if (kind === 'cumulative') {
    return Object.freeze({ ...base, maxPerProject: whole(spec, 'max_per_project', { low: 1, high: 255 }), maxTotal: whole(spec, 'max_total', { low: 1 }) });
  }
  if (kind === 'ordinal') {
    const k = whole(spec, 'k', { low: 1, high: m });
    const points = spec.points;
    if (!Array.isArray(points) || points.length !== k || !points.every((p) => isWhole(p) && p >= 0)) {
      throw new FormatError(`'points' must list ${k} whole numbers >= 0, one per rank`);
    }
    if (points.some((p, i) => i + 1 < points.length && p < points[i + 1])) throw new FormatError("'points' must not increase from one rank to the next");
    const min = whole(spec, 'min', { low: 0, high: k, fallback: 0 });
    return Object.freeze({ ...base, k, rankPoints: Object.freeze([...points]), min });
  }
  const grades = spec.grades;
  if (!Array.isArray(grades) || grades.length < 2 || grades.length > 255
      || !grades.every((g) => typeof g === 'string' && g) || new Set(grades).size !== grades.length) {
    throw new FormatError("'grades' must list 2 to 255 distinct grade names, best first");
  }
  const def = whole(spec, 'default', { low: 0, high: grades.length - 1, fallback: null, nullable: true });
  return Object.freeze({ ...base, grades: Object.freeze([...grades]), default: def });
}

function positions(fmt) {
  return new Map(fmt.projects.map((id, i) => [id, i]));
}

function approved(fmt, choice) {
  if (!Array.isArray(choice) && !(choice instanceof Set)) return invalid(REASONS.NOT_A_CHOICE, 'an approval choice is a collection of project ids');
  const items = [...choice];
  const position = positions(fmt);
  for (const id of items) if (!position.has(id)) return invalid(REASONS.UNKNOWN_PROJECT, `unknown project '${id}'`);
  if (new Set(items).size !== items.length) return invalid(REASONS.DUPLICATE_PROJECT, 'a project is approved twice');
  return { ok: true, choice: items.sort((a, b) => position.get(a) - position.get(b)) };
}

const isMapping = (v) => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Set);

/** Check a choice: {ok: true, choice (canonical)} or {ok: false, reasonCode, message}. */
export function validateChoice(fmt, choice) {
  const position = positions(fmt);
  switch (fmt.kind) {
    case 'approval': {
      const a = approved(fmt, choice);
      if (!a.ok) return a;
      const n = a.choice.length;
      if (n < fmt.min) return invalid(REASONS.TOO_FEW, `${n} projects approved, at least ${fmt.min} required`);
      if (fmt.max !== null && n > fmt.max) return invalid(REASONS.TOO_MANY, `${n} projects approved, at most ${fmt.max} allowed`);
      return a;
    }
    case 'budget': {
      const a = approved(fmt, choice);
      if (!a.ok) return a;
      const n = a.choice.length;
      if (n < fmt.min) return invalid(REASONS.TOO_FEW, `${n} projects approved, at least ${fmt.min} required`);
      const total = a.choice.reduce((sum, id) => sum + fmt.costs[position.get(id)], 0n);
      if (total > fmt.cap) return invalid(REASONS.OVER_CAP, `the chosen projects cost ${total}, over the cap of ${fmt.cap}`);
      return a;
    }
    case 'cumulative': {
      if (!isMapping(choice)) return invalid(REASONS.NOT_A_CHOICE, 'a cumulative choice maps project ids to points');
      let total = 0;
      for (const [id, points] of Object.entries(choice)) {
        if (!position.has(id)) return invalid(REASONS.UNKNOWN_PROJECT, `unknown project '${id}'`);
        if (!isWhole(points) || points < 0) return invalid(REASONS.BAD_POINTS, `points for '${id}' must be a whole number >= 0`);
        if (points > fmt.maxPerProject) return invalid(REASONS.BAD_POINTS, `${points} points for '${id}', at most ${fmt.maxPerProject} per project`);
        total += points;
      }
      if (total > fmt.maxTotal) return invalid(REASONS.OVER_TOTAL, `${total} points given, at most ${fmt.maxTotal} in total`);
      const given = Object.entries(choice).filter(([, p]) => p).sort((a, b) => position.get(a[0]) - position.get(b[0]));
      return { ok: true, choice: Object.fromEntries(given) };
    }
    case 'ordinal': {
      if (!Array.isArray(choice)) return invalid(REASONS.NOT_A_CHOICE, 'an ordinal choice is a sequence of project ids, best first');
      for (const id of choice) if (!position.has(id)) return invalid(REASONS.UNKNOWN_PROJECT, `unknown project '${id}'`);
      if (new Set(choice).size !== choice.length) return invalid(REASONS.DUPLICATE_RANK, 'a project is ranked twice');
      if (choice.length > fmt.k) return invalid(REASONS.TOO_MANY_RANKS, `${choice.length} projects ranked, at most ${fmt.k}`);
      if (choice.length < fmt.min) return invalid(REASONS.TOO_FEW_RANKS, `${choice.length} projects ranked, at least ${fmt.min} required`);
      return { ok: true, choice: [...choice] };
    }
    case 'grades': {
      if (!isMapping(choice)) return invalid(REASONS.NOT_A_CHOICE, 'a grades choice maps project ids to grade indexes');
      for (const [id, grade] of Object.entries(choice)) {
        if (!position.has(id)) return invalid(REASONS.UNKNOWN_PROJECT, `unknown project '${id}'`);
        if (!isWhole(grade) || grade < 0 || grade >= fmt.grades.length) return invalid(REASONS.BAD_GRADE, `grade for '${id}' must be an index below ${fmt.grades.length}`);
      }
      for (const id of fmt.projects) {
        if (!has(choice, id) && fmt.default === null) return invalid(REASONS.MISSING_GRADE, `project '${id}' is not graded`);
      }
      return { ok: true, choice: Object.fromEntries(fmt.projects.filter((id) => has(choice, id)).map((id) => [id, choice[id]])) };
    }
    default:
      throw new FormatError(`unknown ballot kind ${fmt.kind}`);
  }
}

function bitLength(n) {
  return n === 0 ? 0 : Math.floor(Math.log2(n)) + 1;
}

function layout(fmt) {
  const m = fmt.projects.length;
  if (fmt.kind === 'approval' || fmt.kind === 'budget') return [m, 1];
  if (fmt.kind === 'cumulative') return [m, bitLength(fmt.maxPerProject)];
  if (fmt.kind === 'ordinal') return [fmt.k, bitLength(m)];
  if (fmt.kind === 'grades') return [m, bitLength(fmt.grades.length)];
  throw new FormatError(`unknown ballot kind ${fmt.kind}`);
}

/** Bytes of the plaintext of one ballot for this format. */
export function widthBytes(fmt) {
  const [fields, bits] = layout(fmt);
  return Math.floor((fields * bits + 7) / 8);
}

/** Ciphertexts per ballot: the plaintext plus one padding byte, 30 bytes a point. */
export function ballotWidth(fmt) {
  return Math.floor((widthBytes(fmt) + 1 + BYTES_PER_POINT - 1) / BYTES_PER_POINT);
}

function fieldValues(fmt, choice) {
  const position = positions(fmt);
  const m = fmt.projects.length;
  if (fmt.kind === 'approval' || fmt.kind === 'budget') {
    const values = new Array(m).fill(0);
    for (const id of choice) values[position.get(id)] = 1;
    return values;
  }
  if (fmt.kind === 'cumulative' || fmt.kind === 'grades') {
    const values = new Array(m).fill(0);
    for (const [id, v] of Object.entries(choice)) values[position.get(id)] = fmt.kind === 'grades' ? v + 1 : v;
    return values;
  }
  const ranks = choice.map((id) => position.get(id) + 1);
  return ranks.concat(new Array(fmt.k - ranks.length).fill(0));
}

/** The canonical plaintext of a valid choice; InvalidChoiceError if it is invalid. */
export function encodeChoice(fmt, choice) {
  const valid = validateChoice(fmt, choice);
  if (!valid.ok) throw new InvalidChoiceError(valid);
  const [, bits] = layout(fmt);
  const out = new Uint8Array(widthBytes(fmt));
  fieldValues(fmt, valid.choice).forEach((value, i) => {
    for (let b = 0; b < bits; b++) {
      if ((value >> b) & 1) {
        const bit = i * bits + b;
        out[bit >> 3] |= 1 << (bit & 7);
      }
    }
  });
  return out;
}

/** Decode a plaintext and check it against the format; never throws on bad data. */
export function decodeChoice(fmt, data) {
  if (!(data instanceof Uint8Array)) return invalid(REASONS.WRONG_LENGTH, 'the plaintext is not a byte string');
  const width = widthBytes(fmt);
  if (data.length !== width) return invalid(REASONS.WRONG_LENGTH, `${data.length} bytes, expected ${width}`);
  const [fields, bits] = layout(fmt);
  const bit = (i) => (data[i >> 3] >> (i & 7)) & 1;
  for (let i = fields * bits; i < width * 8; i++) {
    if (bit(i)) {
      return fmt.kind === 'approval' || fmt.kind === 'budget'
        ? invalid(REASONS.UNKNOWN_PROJECT, 'a bit beyond the last project is set')
        : invalid(REASONS.NON_CANONICAL, 'bits beyond the last field are set');
    }
  }
  const values = [];
  for (let f = 0; f < fields; f++) {
    let v = 0;
    for (let b = bits - 1; b >= 0; b--) v = (v << 1) | bit(f * bits + b);
    values.push(v);
  }
  const projects = fmt.projects;
  let choice;
  if (fmt.kind === 'approval' || fmt.kind === 'budget') {
    choice = projects.filter((_, i) => values[i]);
  } else if (fmt.kind === 'cumulative') {
    for (let i = 0; i < values.length; i++) {
      if (values[i] > fmt.maxPerProject) return invalid(REASONS.BAD_POINTS, `${values[i]} points for '${projects[i]}', at most ${fmt.maxPerProject} per project`);
    }
    choice = Object.fromEntries(projects.map((id, i) => [id, values[i]]).filter(([, v]) => v));
  } else if (fmt.kind === 'ordinal') {
    const used = values.filter((v) => v);
    if (used.some((v) => v > projects.length)) return invalid(REASONS.UNKNOWN_PROJECT, 'a rank names a project that does not exist');
    if (values.slice(0, used.length).some((v, i) => v !== used[i])) return invalid(REASONS.RANK_GAP, 'an empty rank comes before a filled one');
    choice = used.map((v) => projects[v - 1]);
  } else {
    for (let i = 0; i < values.length; i++) {
      if (values[i] > fmt.grades.length) return invalid(REASONS.BAD_GRADE, `grade code ${values[i]} for '${projects[i]}' does not exist`);
    }
    choice = Object.fromEntries(projects.map((id, i) => [id, values[i] - 1]).filter(([, v]) => v >= 0));
  }
  return validateChoice(fmt, choice);
}
