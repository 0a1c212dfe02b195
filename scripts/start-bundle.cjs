// Runs a CLI's one-file bundle (scripts/bundle.mjs) with V8's code cache:
// copied by make build to dist/bundle/start.js, and required by
// dist/bundle/zkjobc.js and zkjobq.js.
//
// Why: compiling the bundle's half a megabyte, and then each function the
// command calls, is most of what a `zkjobc submit` adds to Node's own start
// (docs/speed.md). V8 can instead load the code it compiled in an earlier
// run. Node 20 offers that only to scripts compiled through vm.Script with
// cachedData (module.enableCompileCache() came in Node 22), which is why
// the bundle is CommonJS and is run here, not by require.
//
// The cache is made by the first run of each subcommand (so it holds the
// functions that subcommand compiled, not only the top level) and used by
// every later one. V8 checks that a cache belongs to this source, this V8
// and these flags, and ignores it otherwise; it is then made again. What
// V8 loads from it is code it will run, so it lives only in a directory of
// the user's own that no one else can write: $XDG_CACHE_HOME/zkjobs or
// ~/.cache/zkjobs, mode 0700. Anything else (no home, another owner, a
// directory others can write, a read-only disk) and the bundle is compiled
// as usual, silently: the cache is never a reason for a command to fail.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const { createRequire } = require('node:module');

// As Node wraps a CommonJS module; on one line, so the bundle's line numbers hold in stack traces.
const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { ';
const WRAP_TAIL = '\n})';

/**
 * The user's cache directory for zkjobs, made if missing, with the cache
 * directory above it (mode 0700, as the XDG spec says) but nothing higher: a
 * service account's home may be /nonexistent, and stays so. Null unless only
 * this user can write it.
 */
function privateCacheDir() {
  const home = process.env.HOME && path.isAbsolute(process.env.HOME) ? process.env.HOME : null;
  const xdg = process.env.XDG_CACHE_HOME && path.isAbsolute(process.env.XDG_CACHE_HOME) ? process.env.XDG_CACHE_HOME : null;
  const base = xdg ?? (home && path.join(home, '.cache'));
  if (!base) return null;
  const dir = path.join(base, 'zkjobs');
  try {
    // Made already on every run but the first: two mkdirs failing with EEXIST cost more than one lstat.
    const made = fs.lstatSync(dir, { throwIfNoEntry: false });
    if (made) return ownedAndPrivate(made, true) ? dir : null;
    mkdirIfMissing(base);
    mkdirIfMissing(dir);
    return ownedAndPrivate(fs.lstatSync(dir), true) ? dir : null;
  } catch {
    return null;
  }
}

function mkdirIfMissing(dir) {
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (err) {
    if (err.code !== 'EEXIST') throw err;
  }
}

/** Ours, and writable by no one else: V8 would run what another user put there. */
function ownedAndPrivate(stat, directory) {
  return (directory ? stat.isDirectory() : stat.isFile()) && stat.uid === process.getuid() && (stat.mode & 0o022) === 0;
}

/** The subcommand's name, or "none": each subcommand keeps the cache of what it compiled. */
function commandWord(argv) {
  const word = argv.find((a) => !a.startsWith('-'));
  return word && /^[a-z][a-z-]{0,31}$/.test(word) ? word : 'none';
}

/** The cache file's contents, if it is a private file of ours; null otherwise. */
function readPrivate(file) {
  let fd;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
    return ownedAndPrivate(fs.fstatSync(fd), false) ? fs.readFileSync(fd) : null;
  } catch {
    return null;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Replaces the cache in one rename (a concurrent run reads the old file or the new, never half of one), and drops the caches of older bundles. */
function writePrivate(dir, prefix, file, data) {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, data, { mode: 0o600, flag: 'wx' });
    fs.renameSync(tmp, file);
    for (const old of fs.readdirSync(dir)) if (old.startsWith(prefix) && path.join(dir, old) !== file && !old.endsWith('.tmp')) fs.rmSync(path.join(dir, old), { force: true });
  } catch {
    fs.rmSync(tmp, { force: true });
  }
}

/**
 * Runs the program `program` from its bundles in bundleDir: the one of the
 * subcommand named on the command line (`bundles` maps each subcommand's
 * word to its file), or `whole`, which has them all.
 */
module.exports = function startBundle(program, bundleDir, whole, bundles) {
  const word = commandWord(process.argv.slice(2));
  const bundlePath = path.join(bundleDir, Object.hasOwn(bundles, word) ? bundles[word] : whole);
  const source = fs.readFileSync(bundlePath, 'utf8');
  const dir = privateCacheDir();
  let cached = null;
  let cacheFile = null;
  let prefix = null;
  if (dir) {
    const { size, mtimeMs } = fs.statSync(bundlePath);
    prefix = `${program}-${word}-`;
    cacheFile = path.join(dir, `${prefix}${process.version}-${process.arch}-${size}-${Math.trunc(mtimeMs)}.v8`);
    cached = readPrivate(cacheFile);
  }
  const script = new vm.Script(WRAP_HEAD + source + WRAP_TAIL, { filename: bundlePath, cachedData: cached ?? undefined });
  // Made at exit, once the command has compiled what it calls.
  if (cacheFile && (cached === null || script.cachedDataRejected)) process.once('exit', () => writePrivate(dir, prefix, cacheFile, script.createCachedData()));
  const module_ = { exports: {} };
  script.runInThisContext()(module_.exports, createRequire(bundlePath), module_, bundlePath, path.dirname(bundlePath));
};
