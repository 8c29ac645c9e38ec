// The timed part of benchmarks/browser_ballot.py, run unchanged in Chromium and in Node:
// with the built voter-client bundle, encrypt, prove and sign each ballot `runs` times
// (after `warmup` untimed rounds) and report the median milliseconds per ballot.
//
// Node: node benchmarks/browser_ballot.mjs <bundle path> <params JSON file>
export async function runBench(client, params) {
  const fromHex = (text) => Uint8Array.from(text.match(/../g) ?? [], (h) => parseInt(h, 16));
  const credential = client.deriveCredential(params.letter_code, params.fingerprint);
  const rows = [];
  for (const b of params.ballots) {
    const format = client.questionFormat(b.question);
    const plaintext = client.encodeChoice(format, b.choice);
    const expected = fromHex(b.plaintext);
    if (plaintext.length !== expected.length || plaintext.some((x, i) => x !== expected[i])) {
      throw new Error(`${b.name}: the client encodes the choice differently from Python`);
    }
    const width = client.ballotWidth(format);
    if (width !== b.width) throw new Error(`${b.name}: width ${width}, Python says ${b.width}`);
    const once = () => client.prepareBallot({
      fingerprint: params.fingerprint, publicKey: params.public_key, question: b.question.id,
      plaintext, width, credential,
    }).sign();
    for (let i = 0; i < params.warmup; i++) once();
    const times = [];
    let last;
    for (let i = 0; i < params.runs; i++) {
      const start = performance.now();
      last = once();
      times.push(performance.now() - start);
    }
    times.sort((x, y) => x - y);
    rows.push({ ballot: b.name, median_ms: times[Math.floor(times.length / 2)], min_ms: times[0], width, last });
  }
  return rows;
}

if (typeof process !== 'undefined' && process.argv?.[1]?.endsWith('browser_ballot.mjs')) {
  const { readFileSync } = await import('node:fs');
  const { pathToFileURL } = await import('node:url');
  const client = await import(pathToFileURL(process.argv[2]).href);
  const params = JSON.parse(readFileSync(process.argv[3], 'utf8'));
  process.stdout.write(JSON.stringify(await runBench(client, params)));
}
