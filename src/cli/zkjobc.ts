// zkjobc: the client that shell scripts call.
import { runProgram } from './program.js';
import { submitCommand } from './zkjobc/submit.js';
import { statusCommand } from './zkjobc/status.js';
import { waitCommand } from './zkjobc/wait.js';

await runProgram('zkjobc', 'zkjobc submit|status|wait [options] … (see zkjobc --help)', (y) =>
  y.command(submitCommand).command(statusCommand).command(waitCommand).demandCommand(1, 'no command given'),
);
