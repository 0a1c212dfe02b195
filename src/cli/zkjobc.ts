// zkjobc: the client that shell scripts call.
import { runProgram } from './program.js';
import { commandsFor } from './lazy-commands.js';

// No top-level await: the bundle is CommonJS, for V8's code cache (scripts/start-bundle.cjs).
async function main(): Promise<void> {
  const commands = await commandsFor([
    { name: 'submit', load: async () => (await import('./zkjobc/submit.js')).submitCommand },
    { name: 'run', load: async () => (await import('./zkjobc/run.js')).runCommand },
    { name: 'status', load: async () => (await import('./zkjobc/status.js')).statusCommand },
    { name: 'wait', load: async () => (await import('./zkjobc/wait.js')).waitCommand },
    { name: 'cancel', load: async () => (await import('./zkjobc/cancel.js')).cancelCommand },
    { name: 'logs', load: async () => (await import('./zkjobc/output.js')).logsCommand },
    { name: 'output', load: async () => (await import('./zkjobc/output.js')).outputCommand },
    { name: 'keygen', load: async () => (await import('./zkjobc/keygen.js')).keygenCommand },
  ]);

  await runProgram('zkjobc', 'zkjobc submit|run|status|wait|cancel|logs|output|keygen [options] … (see zkjobc --help)', (y) =>
    commands.reduce((parser, command) => parser.command(command), y).demandCommand(1, 'no command given'),
    commands,
  );
}

void main();
