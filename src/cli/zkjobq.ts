// zkjobq: the operators' tool.
import { runProgram } from './program.js';
import { listCommand } from './zkjobq/list.js';
import { purgeCommand } from './zkjobq/purge.js';
import { nodesCommand } from './zkjobq/nodes.js';

await runProgram('zkjobq', 'zkjobq list|purge|nodes [options] … (see zkjobq --help)', (y) =>
  y.command(listCommand).command(purgeCommand).command(nodesCommand).demandCommand(1, 'no command given'),
);
