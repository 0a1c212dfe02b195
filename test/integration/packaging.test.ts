// What a package is built from: man pages that render without warnings and
// document every option the programs accept, a unit file systemd accepts,
// and make install/uninstall honouring DESTDIR and PREFIX.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO, run } from '../helpers/cli.js';

const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
const MAN = path.join(REPO, 'man');
const PAGES = ['zkjobc.1', 'zkjobd.8', 'zkjobq.8', 'zkjobd.conf.5'];

test('every man page renders without warnings', { skip: !has('groff') && 'groff is not installed' }, () => {
  assert.deepEqual(readdirSync(MAN).sort(), [...PAGES].sort());
  for (const page of PAGES) {
    const r = spawnSync('groff', ['-man', '-ww', '-z', path.join(MAN, page)], { encoding: 'utf8' });
    assert.equal(r.status, 0, page);
    assert.equal(r.stderr, '', `${page} renders without warnings`);
  }
});

/** Long options a program's --help lists. */
async function optionsOf(program: 'zkjobd' | 'zkjobc' | 'zkjobq', args: string[]): Promise<string[]> {
  const help = (await run(program, [...args, '--help'])).stdout;
  return [...new Set([...help.matchAll(/--([a-z][a-z-]+)/g)].map((m) => m[1]))].filter((o) => o !== 'help');
}

test('the man pages say the same as --help: every option is documented', async () => {
  const page = (name: string) => readFileSync(path.join(MAN, name), 'utf8').replace(/\\-/g, '-');
  const checks: [string, 'zkjobd' | 'zkjobc' | 'zkjobq', string[][]][] = [
    ['zkjobd.8', 'zkjobd', [[]]],
    ['zkjobc.1', 'zkjobc', [['submit'], ['run'], ['status'], ['wait'], ['cancel'], ['logs'], ['output']]],
    ['zkjobq.8', 'zkjobq', [['init'], ['list'], ['show'], ['stat'], ['nodes'], ['drain'], ['undrain'], ['create'], ['delete'], ['pause'], ['resume'], ['limit'], ['requeue'], ['hold'], ['release'], ['rm'], ['purge'], ['check'], ['serve'], ['digest']]],
  ];
  for (const [name, program, commands] of checks) {
    const text = page(name);
    for (const command of commands) {
      if (command.length > 0) assert.ok(text.includes(command[0]), `${name} documents ${command[0]}`);
      for (const option of await optionsOf(program, command)) assert.ok(text.includes(`--${option}`), `${name} documents --${option} of ${program} ${command.join(' ')}`);
    }
  }
});

test('the systemd unit passes systemd-analyze verify', { skip: !has('systemd-analyze') && 'systemd-analyze is not installed' }, () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-unit-'));
  const unit = path.join(dir, 'zkjobd.service');
  writeFileSync(unit, readFileSync(path.join(REPO, 'etc', 'systemd', 'zkjobd.service.in'), 'utf8').replaceAll('@BINDIR@', path.join(REPO, 'bin')).replaceAll('@SYSCONFDIR@', '/etc'));
  // Documentation= is checked with man(1): give it the pages.
  for (const section of ['5', '8']) {
    mkdirSync(path.join(dir, 'man', `man${section}`), { recursive: true });
    for (const page of PAGES.filter((p) => p.endsWith(section))) symlinkSync(path.join(MAN, page), path.join(dir, 'man', `man${section}`, page));
  }
  const r = spawnSync('systemd-analyze', ['verify', unit], { encoding: 'utf8', env: { ...process.env, MANPATH: path.join(dir, 'man') } });
  assert.equal(r.status, 0, r.stderr);
  const text = readFileSync(unit, 'utf8');
  for (const line of ['Type=notify', 'ExecReload=/bin/kill -HUP $MAINPID', 'KillMode=mixed', 'Restart=on-failure', 'RestartPreventExitStatus=64 65 78']) assert.ok(text.includes(line), line);
});

test('make install DESTDIR PREFIX=/usr puts every file in place; uninstall removes them', () => {
  const dest = mkdtempSync(path.join(os.tmpdir(), 'zkjobs-install-'));
  execFileSync('make', ['-s', 'install', `DESTDIR=${dest}`, 'PREFIX=/usr'], { cwd: REPO, stdio: 'pipe' });
  const expected = [
    'usr/bin/zkjobd', 'usr/bin/zkjobc', 'usr/bin/zkjobq',
    'usr/lib/zkjobs/dist/src/cli/zkjobd.js', 'usr/lib/zkjobs/dist/bundle/zkjobc.js', 'usr/lib/zkjobs/dist/bundle/zkjobq.js', 'usr/lib/zkjobs/dist/src/status/page/index.html', 'usr/lib/zkjobs/dist/src/status/page/app.js', 'usr/lib/zkjobs/node_modules/zookeeper/build/Release/zookeeper.node',
    'usr/share/man/man1/zkjobc.1', 'usr/share/man/man5/zkjobd.conf.5', 'usr/share/man/man8/zkjobd.8', 'usr/share/man/man8/zkjobq.8',
    'usr/lib/systemd/system/zkjobd.service', 'etc/zkjobs/zkjobd.conf.example',
    'usr/share/bash-completion/completions/zkjobc', 'usr/share/bash-completion/completions/zkjobq', 'usr/share/bash-completion/completions/zkjobd',
    'usr/share/zsh/site-functions/_zkjobc', 'usr/share/zsh/site-functions/_zkjobq', 'usr/share/zsh/site-functions/_zkjobd',
  ];
  for (const file of expected) assert.ok(existsSync(path.join(dest, file)), file);
  assert.ok(!existsSync(path.join(dest, 'usr/lib/zkjobs/node_modules/typescript')), 'no development packages');
  // The client programs run their one-file bundles (scripts/bundle.mjs), the daemon its modules.
  assert.match(readFileSync(path.join(dest, 'usr/bin/zkjobc'), 'utf8'), /exec \S+ \/usr\/lib\/zkjobs\/dist\/bundle\/zkjobc\.js "\$@"/);
  assert.match(readFileSync(path.join(dest, 'usr/bin/zkjobq'), 'utf8'), /exec \S+ \/usr\/lib\/zkjobs\/dist\/bundle\/zkjobq\.js "\$@"/);
  assert.match(readFileSync(path.join(dest, 'usr/bin/zkjobd'), 'utf8'), /exec \S+ \/usr\/lib\/zkjobs\/dist\/src\/cli\/zkjobd\.js "\$@"/);
  assert.equal(statSync(path.join(dest, 'usr/bin/zkjobc')).mode & 0o777, 0o755);
  const unit = readFileSync(path.join(dest, 'usr/lib/systemd/system/zkjobd.service'), 'utf8');
  assert.match(unit, /^ExecStart=\/usr\/bin\/zkjobd --config \/etc\/zkjobs\/zkjobd.conf$/m);
  assert.match(unit, /^ExecReload=\/usr\/bin\/zkjobd --check-config --config \/etc\/zkjobs\/zkjobd.conf\nExecReload=\/bin\/kill -HUP \$MAINPID$/m, 'the file is checked before the daemon is told to reload');
  const installed = spawnSync(process.execPath, [path.join(dest, 'usr/lib/zkjobs/dist/src/cli/zkjobc.js'), '--help'], { encoding: 'utf8' });
  assert.equal(installed.status, 0, installed.stderr);
  // Moved out of the tree, a bundle still finds what it reads beside its modules (package.json for --version) and says what the modules say.
  for (const [program, args] of [['zkjobc', ['--help']], ['zkjobq', ['--help']], ['zkjobq', ['list', '--help']], ['zkjobc', ['--version']]] as const) {
    const bundled = spawnSync(process.execPath, [path.join(dest, `usr/lib/zkjobs/dist/bundle/${program}.js`), ...args], { encoding: 'utf8' });
    const modules = spawnSync(process.execPath, [path.join(REPO, `dist/src/cli/${program}.js`), ...args], { encoding: 'utf8' });
    assert.equal(bundled.status, 0, bundled.stderr);
    assert.equal(bundled.stdout, modules.stdout, `${program} ${args.join(' ')}`);
  }
  writeFileSync(path.join(dest, 'etc/zkjobs/zkjobd.conf'), 'slots = 1\n');
  execFileSync('make', ['-s', 'uninstall', `DESTDIR=${dest}`, 'PREFIX=/usr'], { cwd: REPO, stdio: 'pipe' });
  for (const file of expected) assert.ok(!existsSync(path.join(dest, file)), `${file} removed`);
  assert.ok(existsSync(path.join(dest, 'etc/zkjobs/zkjobd.conf')), 'a real configuration is kept');
});
