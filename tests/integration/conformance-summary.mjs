// After the integration tests: which documented (operation, status) pairs
// real responses covered, summed over the test files (harness.mjs writes
// one list per process). The full list goes to tests/artifacts.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import { conformance } from './conformance.mjs';

const top = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const dir = path.join(top, 'tests/artifacts/conformance');
const seen = new Set(readdirSync(dir).flatMap((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8'))));
const doc = JSON.parse(readFileSync(path.join(top, '.build/docs/openapi.json'), 'utf8'));
const all = conformance(doc).documented();
const missed = all.filter((k) => !seen.has(k));

writeFileSync(path.join(top, 'tests/artifacts/conformance.txt'),
  `checked:\n${[...seen].sort().join('\n')}\n\nnot exercised:\n${missed.join('\n')}\n`);
console.log(`conformance: responses of ${seen.size} of ${all.length} documented (operation, status) pairs checked against /openapi.json; list in tests/artifacts/conformance.txt`);
if (seen.size === 0) {
  console.error('conformance: no response was checked');
  process.exit(1);
}
