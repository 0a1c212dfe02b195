// zkjobq: the operators' tool.
import { runProgram } from './program.js';
import { commandsFor } from './lazy-commands.js';

// No top-level await: the bundle is CommonJS, for V8's code cache (scripts/start-bundle.cjs).
async function main(): Promise<void> {
  const commands = await commandsFor([
    { name: 'init', load: async () => (await import('./zkjobq/init.js')).initCommand },
    { name: 'create', load: async () => (await import('./zkjobq/create.js')).createCommand },
    { name: 'delete', load: async () => (await import('./zkjobq/queue-admin.js')).deleteQueueCommand },
    { name: 'list', load: async () => (await import('./zkjobq/list.js')).listCommand },
    { name: 'show', load: async () => (await import('./zkjobq/job-admin.js')).showCommand },
    { name: 'stat', load: async () => (await import('./zkjobq/stat.js')).statCommand },
    { name: 'pause', load: async () => (await import('./zkjobq/queue-admin.js')).pauseQueueCommand },
    { name: 'resume', load: async () => (await import('./zkjobq/queue-admin.js')).resumeQueueCommand },
    { name: 'limit', load: async () => (await import('./zkjobq/queue-admin.js')).limitQueueCommand },
    { name: 'requeue', load: async () => (await import('./zkjobq/job-admin.js')).requeueCommand },
    { name: 'hold', load: async () => (await import('./zkjobq/hold.js')).holdCommand },
    { name: 'release', load: async () => (await import('./zkjobq/hold.js')).releaseCommand },
    { name: 'rm', load: async () => (await import('./zkjobq/job-admin.js')).rmCommand },
    { name: 'purge', load: async () => (await import('./zkjobq/purge.js')).purgeCommand },
    { name: 'nodes', load: async () => (await import('./zkjobq/nodes.js')).nodesCommand },
    { name: 'drain', load: async () => (await import('./zkjobq/drain.js')).drainCommand },
    { name: 'undrain', load: async () => (await import('./zkjobq/drain.js')).undrainCommand },
    { name: 'check', load: async () => (await import('./zkjobq/check.js')).checkCommand },
    { name: 'serve', load: async () => (await import('./zkjobq/serve.js')).serveCommand },
    { name: 'digest', load: async () => (await import('./zkjobq/create.js')).digestCommand },
  ]);

  await runProgram('zkjobq', 'zkjobq init|create|delete|list|show|stat|pause|resume|limit|requeue|hold|release|rm|purge|nodes|drain|undrain|check|serve|digest [options] … (see zkjobq --help)', (y) =>
    commands.reduce((parser, command) => parser.command(command), y).demandCommand(1, 'no command given'),
    commands,
  );
}

void main();
