// The daemon's logger: a call at a level that is off writes nothing, and a
// level changed after start (zkjobd.conf's log-level) holds for later calls.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';

const log = new URL('../../src/log.js', import.meta.url).href;

function run(script: string): string[] {
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', `const { createLogger } = await import(${JSON.stringify(log)});\n${script}`], { encoding: 'utf8' });
  assert.equal(child.status, 0, child.stderr);
  return child.stdout.trim().split('\n').filter(Boolean).map((line) => line.replace(/^\S+ /, ''));
}

test('only the levels that are on are written, as the level is now', () => {
  const lines = run(`
    const logger = createLogger('warn');
    logger.info('quiet', { n: 1 });
    logger.warn('loud', { n: 2 });
    logger.level = 'info';
    logger.info('now heard', { n: 3 });
    logger.debug('still quiet');
    logger.level = 'error';
    logger.warn('quiet again');
    logger.error('always', { n: 4 });`);
  assert.deepEqual(lines, ['warn loud n=2', 'info now heard n=3', 'error always n=4']);
});

test("the level methods still chain, as winston's do", () => {
  assert.deepEqual(run(`createLogger('warn').info('off').warn('on');`), ['warn on']);
});
