#!/usr/bin/env node
/**
 * Type-checks the README's TypeScript examples against the published package, as a user's project sees it:
 * packs the tarball (npm pack), installs it into a scratch project (without install scripts: the native addon
 * is not needed to type-check), and runs tsc on every ```ts block of the README under moduleResolution
 * nodenext, bundler and node10. A second file checks that `neurite/browser` holds the browser-safe core only
 * and `neurite/node` everything.
 *
 * The install is offline by default. npm's cache after `npm ci` holds the dependencies' tarballs but not the
 * registry's package lists that `npm install` needs, so when the offline install fails the script unpacks the
 * tarball into node_modules/neurite itself — the very files npm would install — and links the dependencies
 * (and @types/node) from this checkout's node_modules, the versions the lockfile pins. `--online` installs
 * from the registry instead.
 *
 *   node scripts/check-types.mjs            # needs dist/ built (npm run build)
 *   node scripts/check-types.mjs --online   # a real npm install from the registry
 *   node scripts/check-types.mjs --keep     # leave the scratch project for a look
 *
 * Exit status 0 when every setting type-checks, 1 otherwise (tsc's messages printed).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const keep = process.argv.includes('--keep');
const online = process.argv.includes('--online');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The TypeScript version of the repository, so the check does not depend on the network. */
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');

/** Every ```ts block of the README, in order. */
export function readmeExamples(text) {
  return [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]);
}

/** The compiler settings a user's project may have: the three module resolutions TypeScript users meet. */
export const SETTINGS = {
  nodenext: { module: 'nodenext', moduleResolution: 'nodenext' },
  bundler: { module: 'esnext', moduleResolution: 'bundler' },
  node10: { module: 'esnext', moduleResolution: 'node10' },
};

const BROWSER_CHECK = `import * as core from 'neurite/browser';
import * as node from 'neurite/node';

const t: core.Tensor = core.tensor([1, 2, 3]).mul(2);
core.train.fit(new core.nn.Linear(3, 1), { x: t.reshape([1, 3]), y: core.zeros([1, 1]) }, { loss: 'mse' });
// the browser entry has no file access or shipped datasets…
// @ts-expect-error loadMnist reads files: Node only
core.loadMnist;
// @ts-expect-error save writes files: Node only
core.save;
// …the Node entry has both, and the core too
node.loadMnist({ split: 'test' });
void node.save(new node.nn.Linear(2, 1), 'x.safetensors');
export const same: typeof core.tensor = node.tensor;
`;

function run(cmd, args, cwd) {
  return spawnSync(cmd, args, { cwd, encoding: 'utf8' });
}

/** The packed files unpacked as npm would install them, the dependencies linked from this checkout. */
function unpackAndLink(tarball, project, log) {
  const modules = join(project, 'node_modules');
  const target = join(modules, 'neurite');
  mkdirSync(target, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  const pkg = JSON.parse(readFileSync(join(target, 'package.json'), 'utf8'));
  const links = [...Object.keys(pkg.dependencies ?? {}), '@types/node'];
  for (const dep of links) {
    const from = join(root, 'node_modules', dep);
    if (!existsSync(from)) throw new Error(`check-types: ${dep} is not installed in this checkout (npm ci)`);
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(from, join(modules, dep), 'dir');
  }
  log(
    `check-types: npm cannot install offline here (its cache has no package lists); type-checking the packed files, unpacked into node_modules/neurite, with ${links.join(', ')} linked from this checkout`,
  );
}

export function checkTypes({ log = console.log } = {}) {
  if (!existsSync(join(root, 'dist', 'node.d.ts'))) {
    throw new Error('check-types: dist/ is not built; run npm run build first');
  }
  const scratch = mkdtempSync(join(tmpdir(), 'neurite-types-'));
  try {
    // the tarball, exactly as npm publish would send it (without rebuilding: dist/ is current)
    const packed = execFileSync(npm, ['pack', '--ignore-scripts', '--json', '--pack-destination', scratch], {
      cwd: root,
      encoding: 'utf8',
    });
    const tarball = join(scratch, JSON.parse(packed)[0].filename);
    const project = join(scratch, 'project');
    mkdirSync(project);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({ name: 'neurite-types-check', private: true, type: 'module' }, null, 1),
    );
    const typesNode = JSON.parse(
      readFileSync(join(root, 'node_modules', '@types', 'node', 'package.json'), 'utf8'),
    );
    const install = run(
      npm,
      [
        'install',
        online ? '--prefer-offline' : '--offline',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        tarball,
        `@types/node@${typesNode.version}`,
      ],
      project,
    );
    if (install.status === 0) log('check-types: installed the tarball with npm install');
    else if (!online && /ENOTCACHED/.test(install.stderr)) unpackAndLink(tarball, project, log);
    else throw new Error(`check-types: npm install of the tarball failed:\n${install.stderr}`);
    const examples = readmeExamples(readFileSync(join(root, 'README.md'), 'utf8'));
    if (examples.length === 0) throw new Error('check-types: the README has no ```ts examples');
    const files = examples.map((code, i) => {
      const name = `readme-${i + 1}.ts`;
      // each example is a module of its own (they reuse names); top-level await needs a module
      writeFileSync(join(project, name), `${code}\nexport {};\n`);
      return name;
    });
    writeFileSync(join(project, 'entries.ts'), BROWSER_CHECK);
    files.push('entries.ts');

    const failures = [];
    for (const [name, options] of Object.entries(SETTINGS)) {
      const config = {
        compilerOptions: {
          ...options,
          target: 'es2022',
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          types: ['node'],
        },
        files,
      };
      const file = `tsconfig.${name}.json`;
      writeFileSync(join(project, file), JSON.stringify(config, null, 1));
      const r = run(process.execPath, [tsc, '-p', file], project);
      if (r.status === 0) log(`check-types: ${name}: ok (${files.length} files)`);
      else {
        log(`check-types: ${name}: FAILED\n${r.stdout}${r.stderr}`);
        failures.push(name);
      }
    }
    return { failures, scratch: keep ? scratch : null };
  } finally {
    if (!keep) rmSync(scratch, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    const { failures, scratch } = checkTypes();
    if (scratch) console.log(`check-types: the scratch project is in ${scratch}`);
    process.exit(failures.length === 0 ? 0 : 1);
  } catch (e) {
    console.error(e.message);
    process.exit(1);
  }
}
