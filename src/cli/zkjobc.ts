// zkjobc: the client that shell scripts call.
import { runProgram } from './program.js';
import { submitCommand } from './zkjobc/submit.js';
import { statusCommand } from './zkjobc/status.js';
import { waitCommand } from './zkjobc/wait.js';
import { cancelCommand } from './zkjobc/cancel.js';
import { logsCommand, outputCommand } from './zkjobc/output.js';
import { keygenCommand } from './zkjobc/keygen.js';

await runProgram('zkjobc', 'zkjobc submit|status|wait|cancel|logs|output|keygen [options] … (see zkjobc --help)', (y) =>
  y.command(submitCommand).command(statusCommand).command(waitCommand).command(cancelCommand).command(logsCommand).command(outputCommand).command(keygenCommand).demandCommand(1, 'no command given'),
);
