// zkjobq serve: the status page, its JSON API and the queue metrics from an
// operator's workstation, without a daemon: the same server every zkjobd
// runs on status_bind, over this command's own ZooKeeper session (renewed
// if it expires). Runs until interrupted.
import type { Argv, CommandModule } from 'yargs';
import { withConnectionOptions, zkAuth, type ConnectionArgs } from '../program.js';
import { ZkClient } from '../../zk/client.js';
import { Paths } from '../../zk/paths.js';
import { UsageError, DataError } from '../../errors.js';
import { readFileSync } from 'node:fs';
import { zkTlsFrom } from '../../zk-tls.js';
import { DEFAULT_STATUS_BIND, parseStatusBind } from '../../status/status-bind.js';
import { startStatusServer } from '../../status/start.js';
import { writeStderr } from '../stdio.js';

interface ServeArgs extends ConnectionArgs {
  bind: string;
  'token-file'?: string;
  'http-token-file'?: string;
}

function outputToken(file: string | undefined): string | null {
  if (!file) return process.env.ZKJOBS_HTTP_TOKEN ?? null;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    throw new DataError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'serve the status page, /api/ and /metrics until interrupted',
  builder: (y) => withConnectionOptions(y)
    .option('bind', { type: 'string', default: DEFAULT_STATUS_BIND, describe: 'HOST:PORT to listen on (port 0: any free one)' })
    .option('token-file', { type: 'string', describe: 'file holding the token viewers must give (required unless bound to loopback)' })
    .option('http-token-file', { type: 'string', describe: "file holding the daemons' output token, to follow job output (env ZKJOBS_HTTP_TOKEN)" }) as unknown as Argv<ServeArgs>,
  handler: async (args) => {
    const options = parseStatusBind(args.bind, args['token-file'], '--bind');
    if (!options) throw new UsageError("--bind none: nothing to serve");
    if (!args.root.startsWith('/')) throw new UsageError(`--root must be an absolute znode path, got '${args.root}'`);
    const token = outputToken(args['http-token-file']);
    const zk = await ZkClient.connect({ connect: args.zk, connectTimeoutMs: args['connect-timeout'], auth: zkAuth(args), tls: zkTlsFrom(args), renew: true });
    const server = await startStatusServer(options, () => zk, new Paths(args.root), token, null, null).catch((err: NodeJS.ErrnoException) => {
      zk.close();
      throw new UsageError(`cannot listen on ${args.bind}: ${err.code ?? err.message}`);
    });
    writeStderr(`zkjobq: serving http://${args.bind.replace(/:\d+$/, '')}:${server!.port}/ (Ctrl-C to stop)\n`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    server!.stop();
    zk.close();
  },
};
