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
// Kept outside the bundle: Node's builtins and the binding's compiled .node
// file. zkjobd is not bundled: it starts once and runs for months, and
// forks its job runner by file name (daemon/spawner.ts).
//
// Each subcommand also has a bundle of its own, with the other subcommands'
// modules left out: every run reads its bundle and V8's cache of it whole,
// and a `zkjobc submit` carried the code of every zkjobc command. The
// program's starter picks the subcommand's bundle by the same word the
// dispatcher goes by (cli/lazy-commands.ts), and the whole program's bundle
// when there is no such word (bare --help, a typo, an option before it).
//
// The bundle is CommonJS, run by start.js (scripts/start-bundle.cjs) through
// vm.Script, so that V8 can load the code of an earlier run instead of
// compiling it again: Node 20 has a code cache for that and for nothing
// else. dist/bundle/zkjobc.js and zkjobq.js are the programs' small starters,
// their code is in zkjobc.bundle.js and zkjobq.bundle.js.
import { build } from 'esbuild';
import { copyFile, readdir, readFile, writeFile } from 'node:fs/promises';
import { builtinModules, createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const requireHere = createRequire(import.meta.url);
const nodeGypBuild = requireHere('node-gyp-build');
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
      const source = lazyRequireOfYargsParser(args.path, await readFile(args.path, 'utf8'));
      if (!source.includes('import.meta.url')) return undefined;
      const rel = path.relative(OUT, args.path).split(path.sep).join('/');
      return { contents: source.replaceAll('import.meta.url', `new URL(${JSON.stringify(rel)}, __zkjobsBundleUrl()).href`), loader: 'js' };
    });
  },
};

/**
 * yargs-parser makes a require function of its own when it is loaded, for
 * the JSON config files of yargs's .config(), which zkjobs never uses: the
 * bundle's URL and createRequire were half a millisecond of every command's
 * start (1 ms of a profiled submit). Made on first call instead; if the
 * line is not found (another yargs-parser), the module is left as it is.
 */
function lazyRequireOfYargsParser(file, source) {
  if (!/[/\\]yargs-parser[/\\]build[/\\]lib[/\\]index\.js$/.test(file)) return source;
  const eager = 'const require = createRequire ? createRequire(import.meta.url) : undefined;';
  const lazy = 'let madeRequire; const require = createRequire ? (p) => (madeRequire ??= createRequire(import.meta.url))(p) : undefined;';
  return source.replace(eager, lazy);
}

/**
 * An ES module's import of a CommonJS one is wrapped in esbuild's __toESM,
 * which copies the module's every property onto a new object of getters,
 * at each importing module: with fs imported by a dozen of ours, about
 * 2,000 property definitions per start (1-2 ms of a `zkjobc submit`). The
 * lazy builtin objects below are already what __toESM would make (their
 * default export is themselves), and say so with this mark, which the
 * bundle's __toESM is taught to honour (withLazyBuiltinsAsIs).
 */
const LAZY_MARK = 'Symbol.for("zkjobs.lazy-builtin")';

/**
 * Node's builtins through require, not import, and each loaded only when
 * first used. An import of a builtin makes an ES module facade that reads
 * every export (fs's ReadStream getter loads the streams); and a `zkjobc
 * submit` imported crypto, http, readline and perf_hooks through modules
 * it needs for other things, about 90 of Node's own modules more than
 * `node -e 0` loads, most of them never used. A builtin whose export is an
 * object becomes an object of getters for its property names (as this
 * Node has them at build time) that require it on first access; one whose
 * export is a function or class (events, stream) is required at once.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/]+$/ }, (args) => {
      const name = args.path.replace(/^node:/, '');
      if (!builtinModules.includes(name) || args.namespace === 'builtin') return undefined;
      return { path: name, namespace: 'builtin' };
    });
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => {
      const real = `require(${JSON.stringify(`node:${args.path}`)})`;
      const exported = requireHere(`node:${args.path}`);
      if (typeof exported !== 'object' || exported === null) return { contents: `module.exports = ${real};`, loader: 'js' };
      const names = JSON.stringify(Object.getOwnPropertyNames(exported));
      return {
        contents: `let real; const lazy = {};
for (const name of ${names}) Object.defineProperty(lazy, name, { get: () => (real ??= ${real})[name], enumerable: true });
Object.defineProperty(lazy, 'default', { value: lazy, enumerable: true });
Object.defineProperty(lazy, ${LAZY_MARK}, { value: true });
module.exports = lazy;`,
        loader: 'js',
      };
    });
  },
};

/**
 * The zookeeper binding's JavaScript is bundled too (it and the async
 * library it requires were about 20 ms of CommonJS loading); its compiled
 * .node file is loaded by its path relative to the bundle, the file
 * node-gyp-build finds at build time, in place of the search it makes at
 * every start; and with process.dlopen, as require does in the end, but
 * without require's resolution (a realpath of every directory above it).
 */
const NATIVE = path.relative(OUT, nodeGypBuild.resolve(path.join(REPO, 'node_modules', 'zookeeper'))).split(path.sep).join('/');
const nativeBinding = {
  name: 'native-binding',
  setup(b) {
    b.onLoad({ filter: /node_modules[/\\]zookeeper[/\\]lib[/\\].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const call = 'require("node-gyp-build")(join(__dirname, ".."))';
      // Its mkdirp's two helpers from async (62 KB in every bundle), required only if it is ever called.
      const asyncHelpers = 'const { apply, waterfall } = require("async");';
      const lazyAsync = 'const apply = (...a) => require("async").apply(...a); const waterfall = (...a) => require("async").waterfall(...a);';
      return { contents: source.replaceAll(call, `__zkjobsNative(${JSON.stringify(NATIVE)})`).replaceAll(asyncHelpers, lazyAsync), loader: 'js' };
    });
  },
};

// The bundle's own file: module URLs are found relative to it (ownUrls), and
// the binding's .node file is loaded by __zkjobsNative. The URL is made on
// first use: pathToFileURL at every start was 0.4 ms of a profiled submit,
// which needs it for nothing (the binding's path is joined to __dirname).
const BANNER = [
  'let __zkjobsUrl;',
  "const __zkjobsBundleUrl = () => (__zkjobsUrl ??= require('node:url').pathToFileURL(__filename).href);",
  // Once per file: an addon's module registers itself only at its first dlopen.
  'const __zkjobsNatives = new Map();',
  'const __zkjobsNative = (rel) => {',
  "  if (!__zkjobsNatives.has(rel)) { const m = { exports: {} }; process.dlopen(m, require('node:path').join(__dirname, rel)); __zkjobsNatives.set(rel, m.exports); }",
  '  return __zkjobsNatives.get(rel);',
  '};',
].join('\n');

/**
 * The subcommands a program's dispatcher lists (src/cli/zkjobc.ts, zkjobq.ts),
 * as { word: module } where module is the file it loads, e.g.
 * { logs: './zkjobc/output.js' }. Read from tsc's output, so the list has one
 * home; a dispatcher this cannot read fails the build rather than leaving a
 * program without its per-subcommand bundles.
 */
async function subcommandModules(program) {
  const source = await readFile(path.join(REPO, 'dist', 'src', 'cli', `${program}.js`), 'utf8');
  const found = [...source.matchAll(/\{ name: '([a-z][a-z-]*)', load: async \(\) => \(await import\('(\.\/[^']+)'\)\)/g)];
  if (found.length === 0) throw new Error(`bundle: no subcommands found in dist/src/cli/${program}.js`);
  return Object.fromEntries(found.map(([, word, module]) => [word, module]));
}

/** A subcommand bundle's file name: the module's, e.g. zkjobc.output.bundle.js for logs and output. */
const bundleName = (program, module) => `${program}.${path.basename(module, '.js')}.bundle`;

/**
 * Leaves the program's other subcommands out of a subcommand's bundle. The
 * dispatcher imports only the subcommand named on the command line, so
 * their modules are never imported here; if one ever were, it says so
 * rather than being an empty module.
 */
const onlySubcommand = (program, keep) => ({
  name: 'only-subcommand',
  setup(b) {
    const dispatcher = path.join(REPO, 'dist', 'src', 'cli', `${program}.js`);
    b.onResolve({ filter: new RegExp(`^\\./${program}/[^/]+\\.js$`) }, (args) => (args.importer === dispatcher && args.path !== keep ? { path: args.path, namespace: 'left-out' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'left-out' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`internal error: ${program}'s ${args.path} is not in this bundle (scripts/bundle.mjs)`)});`,
      loader: 'js',
    }));
  },
});

const common = {
  outdir: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['*.node', 'async'],
  banner: { js: BANNER },
  logLevel: 'warning',
};
const entry = (p) => path.join(REPO, 'dist', 'src', 'cli', `${p}.js`);
const subcommands = Object.fromEntries(await Promise.all(PROGRAMS.map(async (p) => [p, await subcommandModules(p)])));
await Promise.all([
  build({ ...common, entryPoints: PROGRAMS.map((p) => ({ in: entry(p), out: `${p}.bundle` })), plugins: [ownUrls, builtinsByRequire, nativeBinding] }),
  ...PROGRAMS.flatMap((p) =>
    [...new Set(Object.values(subcommands[p]))].map((module) =>
      // yargs (with cliui, string-width and the rest, 200 KB) runs only for --help, completion and
      // usage errors: a subcommand's bundle requires it from node_modules then, as zkjobd does.
      build({ ...common, external: [...common.external, 'yargs', 'yargs/*'], entryPoints: [{ in: entry(p), out: bundleName(p, module) }], plugins: [onlySubcommand(p, module), ownUrls, builtinsByRequire, nativeBinding] }),
    ),
  ),
]);

/** The bundle's __toESM, returning the lazy builtins (marked LAZY_MARK) as they are. */
async function withLazyBuiltinsAsIs(file) {
  const source = await readFile(file, 'utf8');
  const head = 'var __toESM = (mod, isNodeMode, target) => (';
  if (!source.includes(head)) {
    if (source.includes('__toESM')) throw new Error(`bundle: esbuild's __toESM in ${file} is not the one this script knows; update withLazyBuiltinsAsIs`);
    return;
  }
  await writeFile(file, source.replace(head, `var __toESM = (mod, isNodeMode, target) => mod?.[${LAZY_MARK}] ? mod : (`));
}
await Promise.all((await readdir(OUT)).filter((f) => f.endsWith('.bundle.js')).map((f) => withLazyBuiltinsAsIs(path.join(OUT, f))));

// dist/bundle is CommonJS whatever the package around it says (make install
// copies it under LIBDIR beside the root package.json, "type": "module").
await writeFile(path.join(OUT, 'package.json'), '{ "type": "commonjs" }\n');
await copyFile(path.join(REPO, 'scripts', 'start-bundle.cjs'), path.join(OUT, 'start.js'));
for (const p of PROGRAMS) {
  const bundles = Object.fromEntries(Object.entries(subcommands[p]).map(([word, module]) => [word, `${bundleName(p, module)}.js`]));
  await writeFile(path.join(OUT, `${p}.js`), `#!/usr/bin/env node
// ${p}: the bundle of the subcommand named on the command line, or ${p}.bundle.js
// with them all, run with V8's code cache (start.js).
require('./start.js')('${p}', __dirname, '${p}.bundle.js', ${JSON.stringify(bundles)});
`);
}
