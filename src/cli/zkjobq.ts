// zkjobq: the operators' tool.
import { runProgram } from './program.js';
import { listCommand } from './zkjobq/list.js';
import { purgeCommand } from './zkjobq/purge.js';
import { nodesCommand } from './zkjobq/nodes.js';
import { createCommand } from './zkjobq/create.js';

await runProgram('zkjobq', 'zkjobq create|list|purge|nodes [options] … (see zkjobq --help)', (y) =>
  y.command(createCommand).command(listCommand).command(purgeCommand).command(nodesCommand).demandCommand(1, 'no command given'),
);
