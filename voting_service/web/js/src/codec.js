// Strict JSON readers, mirroring crypto/codec.py: every point and scalar is validated, a
// missing field, a field of the wrong JSON type and an unknown field are refused.
import { fromHex } from './bytes.js';
import { DecodingError } from './errors.js';
import { pointFromHex, scalarFromHex } from './group.js';

const TYPE_NAMES = { string: 'str', number: 'int', object: 'dict', array: 'list' };

function isKind(value, kind) {
  if (kind === 'array') return Array.isArray(value);
  if (kind === 'object') return value !== null && typeof value === 'object' && !Array.isArray(value);
  if (kind === 'number') return typeof value === 'number' && Number.isSafeInteger(value);
  return typeof value === kind;
}

export function isObject(value) {
  return isKind(value, 'object');
}

export function field(obj, key, kind) {
  if (!isObject(obj)) throw new DecodingError('expected a JSON object');
  if (!Object.prototype.hasOwnProperty.call(obj, key)) throw new DecodingError(`missing field '${key}'`);
  const value = obj[key];
  if (!isKind(value, kind)) throw new DecodingError(`field '${key}' must be of type ${TYPE_NAMES[kind]}`);
  return value;
}

export function onlyFields(obj, ...keys) {
  if (!isObject(obj)) throw new DecodingError('expected a JSON object');
  const unknown = Object.keys(obj).filter((k) => !keys.includes(k)).sort();
  if (unknown.length) throw new DecodingError(`unknown field '${unknown[0]}'`);
  return obj;
}

export const readPoint = (obj, key) => pointFromHex(field(obj, key, 'string'));
export const readScalar = (obj, key) => scalarFromHex(field(obj, key, 'string'));

export function readInt(obj, key, { minimum = 0 } = {}) {
  const value = field(obj, key, 'number');
  if (value < minimum) throw new DecodingError(`field '${key}' must be >= ${minimum}`);
  return value;
}

export function pointsFromHex(values) {
  if (!Array.isArray(values)) throw new DecodingError('expected a list of points');
  return values.map((v) => {
    if (typeof v !== 'string') throw new DecodingError('expected a hex-encoded point');
    return pointFromHex(v);
  });
}

export function scalarsFromHex(values) {
  if (!Array.isArray(values)) throw new DecodingError('expected a list of scalars');
  return values.map((v) => {
    if (typeof v !== 'string') throw new DecodingError('expected a hex-encoded scalar');
    return scalarFromHex(v);
  });
}

export function readBytesHex(obj, key) {
  const text = field(obj, key, 'string');
  try {
    return fromHex(text);
  } catch {
    throw new DecodingError(`field '${key}' must be lowercase hexadecimal`);
  }
}
