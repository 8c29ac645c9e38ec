// Builds the browser bundles into ../static/js/ with esbuild (pinned in package.json):
// one self-contained ES module per entry, named <entry>-<content hash>.js, and
// manifest.json mapping "<entry>.js" to {file, integrity} (SHA-384, for Subresource
// Integrity). No timestamps, no absolute paths: the same sources and lock file give the
// same bytes anywhere, which CI checks with `node build.mjs --check`.
//
// To add a bundle (e.g. the booth pages), add its entry module to ENTRIES.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const HERE = dirname(fileURLToPath(import.meta.url));
const STATIC = join(HERE, '..', 'static', 'js');

export const ENTRIES = {
  'voter-client': 'src/voter-client.js',
};

async function build(outdir) {
  mkdirSync(outdir, { recursive: true });
  const result = await esbuild.build({
    absWorkingDir: HERE,
    entryPoints: Object.entries(ENTRIES).map(([out, in_]) => ({ out, in: in_ })),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: ['es2022'],
    minify: true,
    legalComments: 'eof',
    charset: 'utf8',
    entryNames: '[name]-[hash]',
    outdir,
    metafile: true,
    write: true,
    logLevel: 'warning',
  });
  const manifest = {};
  for (const [file, meta] of Object.entries(result.metafile.outputs).sort()) {
    const name = file.split('/').pop();
    const entry = Object.entries(ENTRIES).find(([, src]) => src === meta.entryPoint)?.[0];
    if (!entry) continue;
    const digest = createHash('sha384').update(readFileSync(join(HERE, file))).digest('base64');
    manifest[`${entry}.js`] = { file: name, integrity: `sha384-${digest}` };
  }
  writeFileSync(join(outdir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

function snapshot(dir) {
  const files = {};
  for (const name of readdirSync(dir).sort()) files[name] = readFileSync(join(dir, name));
  return files;
}

if (process.argv.includes('--check')) {
  // Rebuild elsewhere and compare with the committed bundle, file by file.
  const scratch = join(HERE, 'node_modules', '.check-build');
  try {
    await build(scratch);
    const fresh = snapshot(scratch);
    const committed = snapshot(STATIC);
    const names = new Set([...Object.keys(fresh), ...Object.keys(committed)]);
    const differ = [...names].filter((n) => !fresh[n] || !committed[n] || !fresh[n].equals(committed[n]));
    if (differ.length) {
      console.error(`the committed bundle differs from a fresh build: ${differ.join(', ')}`);
      console.error('rebuild with `npm run build` in voting_service/web/js and commit voting_service/web/static/js');
      process.exit(1);
    }
    console.log(`bundle up to date (${Object.keys(fresh).join(', ')})`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
} else {
  rmSync(STATIC, { recursive: true, force: true });
  const manifest = await build(STATIC);
  for (const [entry, { file, integrity }] of Object.entries(manifest)) console.log(`${entry} -> ${file} ${integrity}`);
}
