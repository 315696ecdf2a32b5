// The development loop of README.md: `kodev build` / `kodev run` over
// build.conf in a clean copy of the checkout whose folder has another name
// (kodev names the app after it), then the single binary serves HTTPS with
// the test CA, applies the migrations, serves /docs from its compiled-in
// assets, survives `kodev reload` (SIGHUP) and stops cleanly. Also: the
// Makefile's asset C files (scripts/assets.sh) are byte for byte kodev's.
//
// The binary is not a sanitizer build (Kore's objects come from kodev);
// the rest of the suite covers the code under ASan/UBSan.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync,
  symlinkSync, writeFileSync,
} from 'node:fs';
import path from 'node:path';

import { createDatabase, freePort, request, sleep, top, work } from './harness.mjs';

import { expandKoreConf } from '../../scripts/kore-conf.mjs';

const KORE_SOURCE = path.join(top, '.build/kore');
const DOCS_DIR = path.join(top, '.build/docs');
const failRe = /config error|sandbox violation|died|segfault|fatal/i;

// Tracked and new files as they are in the checkout, nothing it built.
function cleanCopy(dir) {
  mkdirSync(dir);
  execFileSync('sh', ['-c',
    'git ls-files -z --cached --others --exclude-standard |' +
    ' tar --null --ignore-failed-read -T - -cf - 2>/dev/null |' +
    ' tar -xf - -C "$1"', 'sh', dir], { cwd: top });
}

function assetName(file) {
  return file.replace(/[. \t-]/g, '_');
}

test('kodev build and kodev run: one binary, HTTPS, migrations, assets, reload', { timeout: 600000 }, async () => {
  assert.ok(existsSync(path.join(KORE_SOURCE, 'src/kore.c')),
    `${KORE_SOURCE} is missing: make builds the patched Kore source first`);
  const name = `kodev-app-${process.pid}`;
  const dir = path.join(work, name);
  cleanCopy(dir);
  assert.ok(existsSync(path.join(dir, 'build.conf')), 'the copy has build.conf');
  assert.equal(readlinkSync(path.join(dir, 'conf/build.conf')), '../build.conf');
  assert.ok(!existsSync(path.join(dir, '.build')), 'the copy holds nothing built');
  mkdirSync(path.join(dir, '.build'));
  symlinkSync(KORE_SOURCE, path.join(dir, '.build/kore'));

  // The copy's kore.conf with the test's port and certificate: kodev puts
  // the configuration into the binary.
  const port = await freePort();
  const confPath = path.join(dir, 'kore.conf');
  let conf = readFileSync(confPath, 'utf8');
  for (const [re, to] of [
    [/bind 127\.0\.0\.1 \d+/, `bind 127.0.0.1 ${port}`],
    [/certfile\s+\S+/, `certfile\t${work}/tls/cert.pem`],
    [/certkey\s+\S+/, `certkey\t\t${work}/tls/key.pem`],
  ]) {
    assert.match(conf, re);
    conf = conf.replace(re, to);
  }
  writeFileSync(confPath, conf);

  // The Makefile names kodev's configuration after the folder.
  const env = { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root' };
  execFileSync('make', ['-s', 'kodev-conf'], { cwd: dir, env });
  assert.equal(readlinkSync(path.join(dir, `conf/${name}.conf`)), '../.build/kodev/kore.conf');
  const embedded = readFileSync(path.join(dir, `conf/${name}.conf`), 'utf8');
  assert.doesNotMatch(embedded, /^load\s/m, 'a single binary has no load line');
  assert.doesNotMatch(embedded, /^\s*include\s/m, 'includes are in place: the binary needs no conf/ file');
  assert.ok(embedded.endsWith(expandKoreConf(conf, dir).replace(/^load\s.*\n/m, '')),
    'the rest is kore.conf as it is, with its includes in place');

  const build = execFileSync('kodev', ['build'], { cwd: dir, env, encoding: 'utf8' });
  assert.match(build, /^building kore \(\.build\/kore\)$/m);
  assert.match(build, new RegExp(`^adding config conf/${name}\\.conf$`, 'm'));
  assert.match(build, new RegExp(`^${name} built successfully!$`, 'm'));
  assert.match(build, /-DKORE_SINGLE_BINARY -DKORE_USE_PGSQL -DKORE_USE_TASKS -DKORE_USE_CURL/);
  const bin = path.join(dir, name);
  assert.ok(existsSync(bin), `kodev built ./${name}`);

  // kore_parent_configure hands the options to kore_default_getopt.
  const version = execFileSync(bin, ['-v'], { cwd: dir, env, encoding: 'utf8' });
  assert.match(version, /^4\.1\.\d+ curl-\S+ pgsql tasks/);

  // Every asset, and the same C the Makefile generates for its module.
  const assets = readdirSync(path.join(dir, 'assets')).sort();
  assert.deepEqual(assets, ['docs.css', 'index.html', 'init.js']);
  const made = path.join(work, `${name}-assets`);
  execFileSync('scripts/assets.sh', [made, 'build.conf', ...assets.map((a) => `assets/${a}`)],
    { cwd: dir, env });
  for (const a of assets) {
    const c = `${assetName(a)}.c`;
    assert.ok(readFileSync(path.join(dir, '.objs', c)).equals(readFileSync(path.join(made, c))),
      `scripts/assets.sh writes kodev's ${c}`);
  }

  const migrations = readdirSync(path.join(dir, 'migrations')).filter((f) => /^\d{4}_.*\.sql$/.test(f));
  const schema = Math.max(...migrations.map((f) => Number.parseInt(f, 10)));
  const child = spawn('kodev', ['run'], {
    cwd: dir,
    env: {
      ...env,
      DATABASE_URL: createDatabase('kodev_app'),
      BETTER_AUTH_SECRET: 'kodev-test-secret-0123456789-abcdefghij',
      ENV_FILE: '/nonexistent',
      DOCS_DIR,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.stderr.on('data', (d) => { out += d; });
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, sig) => {
    exited = { code, sig };
    resolve(exited);
  }));
  const server = { port };
  try {
    // kodev run relinks, then execs ./<name> -fnr in the same process.
    const deadline = Date.now() + 120000;
    let health;
    while (!health) {
      assert.equal(exited, null, `kodev run exited:\n${out}`);
      assert.ok(Date.now() < deadline, `no /healthz answer in 120 s:\n${out}`);
      health = await request(server, '/healthz').catch(() => null);
      if (!health) await sleep(200);
    }
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
    assert.equal(health.peer.subject.CN, 'localhost', 'the test certificate');

    const ready = await request(server, '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(ready.json.database, 'ok');
    assert.equal(ready.json.schema_version, schema);
    assert.match(out, new RegExp(`migrations: ${migrations.length} applied, schema version ${schema}`));
    assert.match(out, /tls serving https on 127\.0\.0\.1:\d+/);
    assert.equal(Number(readFileSync(path.join(dir, 'kore.pid'), 'utf8')), child.pid,
      'kodev run became the binary, which wrote kore.pid');

    // The page comes from the binary: DOCS_DIR holds only the document
    // and Swagger UI's npm files.
    assert.ok(!existsSync(path.join(DOCS_DIR, 'index.html')));
    for (const [url, file] of [['/docs', 'index.html'], ['/docs/init.js', 'init.js'],
      ['/docs/docs.css', 'docs.css']]) {
      const r = await request(server, url);
      assert.equal(r.status, 200, url);
      assert.ok(r.raw.equals(readFileSync(path.join(dir, 'assets', file))), `${url} is assets/${file}`);
    }
    const bundle = await request(server, '/docs/swagger-ui-bundle.js');
    assert.equal(bundle.status, 200);
    assert.ok(bundle.raw.equals(readFileSync(path.join(DOCS_DIR, 'swagger-ui-bundle.js'))));

    // kodev reload: SIGHUP to kore.pid; the workers keep serving.
    const reload = execFileSync('kodev', ['reload'], { cwd: dir, env, encoding: 'utf8' });
    assert.match(reload, /reloaded application/);
    for (let i = 0; i < 20; i++) {
      const r = await request(server, '/healthz');
      assert.equal(r.status, 200);
    }
    assert.equal(exited, null, `the server stopped after the reload:\n${out}`);
  } finally {
    if (exited === null) child.kill('SIGTERM');
    await exit;
  }
  assert.deepEqual(exited, { code: 0, sig: null }, out);
  assert.match(out, /\[parent\]: goodbye/);
  const bad = out.split('\n').filter((l) => failRe.test(l));
  assert.deepEqual(bad, [], 'no error, worker death or sandbox violation');
});
