// zkjobq: the operators' tool.
import { runProgram } from './program.js';
import { listCommand } from './zkjobq/list.js';
import { purgeCommand } from './zkjobq/purge.js';
import { nodesCommand } from './zkjobq/nodes.js';
import { createCommand, digestCommand } from './zkjobq/create.js';
import { initCommand } from './zkjobq/init.js';
import { deleteQueueCommand, limitQueueCommand, pauseQueueCommand, resumeQueueCommand } from './zkjobq/queue-admin.js';
import { requeueCommand, rmCommand, showCommand } from './zkjobq/job-admin.js';
import { statCommand } from './zkjobq/stat.js';
import { checkCommand } from './zkjobq/check.js';
import { serveCommand } from './zkjobq/serve.js';

await runProgram('zkjobq', 'zkjobq init|create|delete|list|show|stat|pause|resume|limit|requeue|rm|purge|nodes|check|serve|digest [options] … (see zkjobq --help)', (y) =>
  y.command(initCommand).command(createCommand).command(deleteQueueCommand).command(listCommand).command(showCommand).command(statCommand)
    .command(pauseQueueCommand).command(resumeQueueCommand).command(limitQueueCommand).command(requeueCommand).command(rmCommand).command(purgeCommand).command(nodesCommand).command(checkCommand).command(serveCommand).command(digestCommand).demandCommand(1, 'no command given'),
);
