// Prints an HS256 token for the benchmark's shared-secret mode; with a
// count, one a line for subjects <sub>1 .. <sub><count>.
//
//   node bench/mint-token.mjs <secret> <sub> [count]
import { createHmac } from 'node:crypto';

const [secret, sub, count] = process.argv.slice(2);
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
function token(s) {
  const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
    sub: s, email: `${s}@example.com`, name: 'Bench User', role: 'user',
    iat: now, exp: now + 3600,
  })}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}
if (count === undefined) {
  process.stdout.write(token(sub));
} else {
  for (let i = 1; i <= Number(count); i++) process.stdout.write(`${token(`${sub}${i}`)}\n`);
}
