// Runs a batch of cases through the client and prints what it answers, for
// tests/crypto/test_js_differential.py, which puts the same cases to the Python side and
// compares. Input (stdin): a JSON list of {op, ...}; output: a JSON list of answers, each
// {ok: value} or {error: code}.
import { readFileSync } from 'node:fs';
import { toHex, fromHex } from '../../src/bytes.js';
import * as ballots from '../../src/ballot.js';
import { canonicalText } from '../../src/canonical.js';
import { decodeChoice, encodeChoice, questionFormat, validateChoice, ballotWidth, FormatError } from '../../src/choices.js';
import * as credentials from '../../src/credential.js';
import { CryptoError } from '../../src/errors.js';
import { pointFromHex } from '../../src/group.js';

const OPS = {
  async ballot(c) {
    const b = ballots.ballotFromJSON(c.ballot, c.width ?? undefined);
    await ballots.verify(pointFromHex(c.public_key), fromHex(c.election), b, {
      question: c.question, width: c.width, kioskKey: c.kiosk_key ? fromHex(c.kiosk_key) : null, signed: c.signed ?? true,
    });
    return toHex(ballots.tracker(fromHex(c.election), b));
  },
  async letter_code(c) {
    const code = credentials.checkLetterCode(c.text);
    return [code, toHex(credentials.loginToken(code, fromHex(c.election))), toHex(credentials.publicCredential(code, fromHex(c.election)).toBytes())];
  },
  async choice(c) {
    let fmt;
    try {
      fmt = questionFormat(c.question);
    } catch (e) {
      if (e instanceof FormatError) return { format_error: true };
      throw e;
    }
    const valid = validateChoice(fmt, c.choice);
    const out = { width: ballotWidth(fmt) };
    if (!valid.ok) return { ...out, invalid: valid.reasonCode };
    const plaintext = encodeChoice(fmt, c.choice);
    const decoded = decodeChoice(fmt, plaintext);
    return { ...out, plaintext: toHex(plaintext), decoded_ok: decoded.ok };
  },
  async decode(c) {
    const fmt = questionFormat(c.question);
    const d = decodeChoice(fmt, fromHex(c.plaintext));
    return d.ok ? { choice: d.choice } : { invalid: d.reasonCode };
  },
  async canonical(c) {
    return canonicalText(c.value);
  },
};

const cases = JSON.parse(readFileSync(0, 'utf8'));
const answers = [];
for (const c of cases) {
  try {
    answers.push({ ok: await OPS[c.op](c) });
  } catch (e) {
    if (e instanceof CryptoError) answers.push({ error: e.code });
    else if (e instanceof TypeError && c.op === 'canonical') answers.push({ error: 'type' });
    else throw e;
  }
}
process.stdout.write(JSON.stringify(answers));
