// Prints an HS256 token for the benchmark's shared-secret mode.
import { createHmac } from 'node:crypto';

const [secret, sub] = process.argv.slice(2);
const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
const now = Math.floor(Date.now() / 1000);
const input = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({
  sub, email: `${sub}@example.com`, name: 'Bench User', role: 'user',
  iat: now, exp: now + 3600,
})}`;
process.stdout.write(`${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`);
