// Voter letter codes and what the voter's device derives from them (protocol.md §9),
// mirroring crypto/credential.py. A code is 19 symbols and a check symbol from a
// 31-symbol alphabet; Σ i·v_i ≡ 0 (mod 31). From the normalised code and the election
// fingerprint: the login token (output "token" of T("credential/login-token")[bytes
// election, text code], 32 bytes) and the credential secret (challenge "secret" of
// T("credential/secret")[bytes election, text code]); the public credential is secret·G.
import { LetterCodeChecksumError, LetterCodeError } from './errors.js';
import { baseMul } from './group.js';
import { Transcript } from './transcript.js';

export const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const MODULUS = ALPHABET.length; // 31, prime
export const DATA_SYMBOLS = 19;
export const CODE_SYMBOLS = DATA_SYMBOLS + 1;
export const GROUP_SIZE = 5;

const VALUES = new Map([...ALPHABET].map((symbol, value) => [symbol, value]));
// Removed when a code is typed (protocol.md §9 lists them by code point).
const SEPARATORS = new Set([' ', '\t', '\r', '\n', '-', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014', '_', '.']);

// ASCII-only upper-casing: toUpperCase() would also map "ß" → "SS" and "ſ" → "S".
function asciiUpper(ch) {
  const c = ch.charCodeAt(0);
  return ch.length === 1 && c >= 0x61 && c <= 0x7a ? String.fromCharCode(c - 32) : ch;
}

function weightedSum(values) {
  let sum = 0;
  values.forEach((v, i) => { sum += (i + 1) * v; });
  return sum % MODULUS;
}

function pyRepr(ch) {
  // The message names the character as Python's repr would for ordinary characters.
  return ch.includes("'") ? `"${ch}"` : `'${ch}'`;
}

/** ASCII upper case, separators removed; symbols and length checked (LetterCodeError). */
export function normaliseLetterCode(text) {
  if (typeof text !== 'string') throw new LetterCodeError('a letter code is text');
  const symbols = [];
  for (const raw of text) { // iterates code points, as Python does
    const ch = asciiUpper(raw);
    if (!SEPARATORS.has(ch)) symbols.push(ch);
  }
  symbols.forEach((ch, i) => {
    if (!VALUES.has(ch)) throw new LetterCodeError(`character ${pyRepr(ch)} (symbol ${i + 1}) is not used in codes`);
  });
  if (symbols.length !== CODE_SYMBOLS) throw new LetterCodeError(`a code has ${CODE_SYMBOLS} symbols, got ${symbols.length}`);
  return symbols.join('');
}

/** Normalise and verify the check symbol; returns the normalised code. */
export function checkLetterCode(text) {
  const code = normaliseLetterCode(text);
  if (weightedSum([...code].map((s) => VALUES.get(s)))) throw new LetterCodeChecksumError('the code contains a typing mistake');
  return code;
}

export function formatLetterCode(text) {
  const code = normaliseLetterCode(text);
  const groups = [];
  for (let i = 0; i < CODE_SYMBOLS; i += GROUP_SIZE) groups.push(code.slice(i, i + GROUP_SIZE));
  return groups.join('-');
}

/** The check symbol completing 19 data symbols. */
export function checkSymbol(data) {
  const s = weightedSum([...data].map((ch) => VALUES.get(ch)));
  // v_20 = −s · 20^{-1} (mod 31); 20^{-1} ≡ 14 (mod 31).
  return ALPHABET[(((-s * 14) % MODULUS) + MODULUS) % MODULUS];
}

/** A fresh code in printed form (used by the vectors; codes are drawn by the authority). */
export function generateLetterCode(rng) {
  const data = [];
  while (data.length < DATA_SYMBOLS) {
    for (const byte of rng(DATA_SYMBOLS)) {
      const value = byte & 0x1f;
      if (value < MODULUS && data.length < DATA_SYMBOLS) data.push(ALPHABET[value]);
    }
  }
  const code = data.join('');
  return formatLetterCode(code + checkSymbol(code));
}

export function loginToken(code, election) {
  const normalised = checkLetterCode(code);
  return new Transcript('credential/login-token').bytes('election', election).text('code', normalised).output('token').slice(0, 32);
}

export function credentialSecret(code, election) {
  const normalised = checkLetterCode(code);
  const secret = new Transcript('credential/secret').bytes('election', election).text('code', normalised).challenge('secret');
  if (secret === 0n) throw new LetterCodeError('this code cannot be used; issue another');
  return secret;
}

export function publicCredential(code, election) {
  return baseMul(credentialSecret(code, election));
}
