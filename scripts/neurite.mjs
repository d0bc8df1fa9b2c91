#!/usr/bin/env node
/**
 * `npm run neurite -- …`: the command line of this checkout. It runs the compiled CLI in dist/, and first
 * rebuilds what is older than its sources, so an edit under src/ (or web/, for `studio`) takes effect instead
 * of running yesterday's build: dist/ with tsc when a file under src/ is newer than it, and the studio's page
 * with vite when the command is `studio` and a file under web/ or src/ is newer than the built page.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

/** The newest modification time of the files under `dir` (0 when it does not exist). */
function newest(dir) {
  let t = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) t = Math.max(t, newest(p));
    else if (e.isFile()) t = Math.max(t, fs.statSync(p).mtimeMs);
  }
  return t;
}

/** The modification time of `file`, or 0 when it does not exist. */
function mtime(file) {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

/** Runs an npm script of this package, or exits with its status and a note on what failed. */
function npmRun(script, why) {
  process.stderr.write(`neurite: ${why}; running npm run ${script} first\n`);
  const r = spawnSync('npm', ['run', '-s', script], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(
      `neurite: npm run ${script} failed (exit ${r.status ?? r.signal}); fix the errors above\n`,
    );
    process.exit(r.status || 1);
  }
}

const main = path.join(root, 'dist', 'cli', 'main.js');
const built = mtime(main);
if (built === 0) npmRun('build:cli', 'dist/ has not been built yet');
else if (newest(path.join(root, 'src')) > built)
  npmRun('build:cli', 'src/ has changed since dist/ was built');
if (args[0] === 'studio') {
  const page = mtime(path.join(root, 'dist', 'studio', 'index.html'));
  // the page bundles the library too
  const sources = Math.max(newest(path.join(root, 'web')), newest(path.join(root, 'src')));
  if (sources > page) npmRun('build:studio', "the studio's page is older than web/ or src/");
}
// Ctrl-C reaches the CLI too (one process group): it stops training and says how to resume, and this process
// waits for it to finish instead of returning to the shell under its last words
const wait = () => {};
process.on('SIGINT', wait);
process.on('SIGTERM', wait);
const r = spawnSync(process.execPath, [main, ...args], { stdio: 'inherit' });
if (r.signal) {
  process.off('SIGINT', wait);
  process.off('SIGTERM', wait);
  process.kill(process.pid, r.signal);
}
process.exit(r.status ?? 1);
