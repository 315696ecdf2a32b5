// kore.conf with its `include` lines replaced by the files they name, as
// Kore reads it: Kore opens an include relative to its working directory,
// which is the checkout (make run, kodev run, the tests, the benchmarks),
// so paths here are relative to the checkout too. Used by the OpenAPI
// build, the tests' configurations and the one kodev builds in.
//
//   node scripts/kore-conf.mjs [kore.conf]     prints the whole text

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// The included text is indented as the include line, so the whole reads
// as if it had been written in place.
const INCLUDE = /^([ \t]*)include[ \t]+(\S+)[ \t]*$/;

export function expandKoreConf(text, root = checkout, seen = []) {
  return text.split('\n').map((line) => {
    const m = INCLUDE.exec(line);
    if (!m) return line;
    const [, indent, name] = m;
    const file = path.resolve(root, name);
    if (seen.includes(file)) throw new Error(`kore.conf: ${name} includes itself`);
    let body;
    try {
      body = readFileSync(file, 'utf8');
    } catch (e) {
      throw new Error(`kore.conf: include ${name}: ${e.code ?? e.message}`);
    }
    return expandKoreConf(body.replace(/\n$/, ''), root, [...seen, file])
      .split('\n').map((l) => (l === '' ? l : indent + l)).join('\n');
  }).join('\n');
}

export function readKoreConf(file = path.join(checkout, 'kore.conf'), root = checkout) {
  return expandKoreConf(readFileSync(file, 'utf8'), root);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    process.stdout.write(readKoreConf(process.argv[2] ?? undefined));
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
