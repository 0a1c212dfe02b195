#!/usr/bin/env node
// make build, after tsc: each CLI (zkjobc, zkjobq) as one file in
// dist/bundle/, which bin/ runs. A `zkjobc submit` loaded ~130 files one by
// one (ES module resolution, a read and a compile per file: about a third of
// its time, docs/speed.md); one file costs one read and one compile.
//
// The bundle is made from tsc's output (dist/src), so it runs exactly the
// code the tests compile. It follows every import, static and dynamic, from
// the program's entry: a subcommand listed in the program's dispatcher is in
// its bundle with no step of its own, and stays lazy (esbuild keeps a
// dynamic import's module uninitialised until it is imported).
//
// Kept outside the bundle: Node's builtins and the zookeeper binding (its
// .node file is found from its own directory; zk/client.ts requires it at
// run time). zkjobd is not bundled: it starts once and runs for months, and
// forks its job runner by file name (daemon/spawner.ts).
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT = path.join(REPO, 'dist', 'bundle');
const PROGRAMS = ['zkjobc', 'zkjobq'];

/**
 * Every bundled module keeps its own import.meta.url: files found relative
 * to a module (package.json for --version, the status page, yargs's
 * locales) are found where they were, as a path relative to the bundle,
 * which holds in the tree and under make install's LIBDIR alike.
 */
const ownUrls = {
  name: 'own-import-meta-url',
  setup(b) {
    b.onLoad({ filter: /\.m?js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      if (!source.includes('import.meta.url')) return undefined;
      const rel = path.relative(OUT, args.path).split(path.sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, import.meta.url).href`), loader: 'js' };
    });
  },
};

/**
 * Node's builtins through require, not import: an import of a builtin makes
 * an ES module facade of all its exports, which reads every one of them
 * (fs's ReadStream getter loads the streams): 10 ms of a `zkjobc submit`.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!builtinModules.includes(name) || args.namespace === 'builtin') return undefined;
      return { path: name, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({ contents: `module.exports = require('node:${args.path}');`, loader: 'js' }));
  },
};

await build({
  entryPoints: PROGRAMS.map((p) => path.join(REPO, 'dist', 'src', 'cli', `${p}.js`)),
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['zookeeper'],
  // CommonJS packages (prom-client, winston's kin) require Node's builtins;
  // an ES module has no require of its own to hand them.
  banner: { js: "import { createRequire as __zkjobsRequire } from 'node:module'; const require = __zkjobsRequire(import.meta.url);" },
  plugins: [ownUrls, builtinsByRequire],
  logLevel: 'warning',
});
