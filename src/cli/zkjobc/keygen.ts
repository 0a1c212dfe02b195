// zkjobc keygen [--key FILE] [--force]: make the Ed25519 key pair that signs
// this user's jobs, and print the public key line for the daemons'
// authorized_submitters files.
import type { Argv, CommandModule } from 'yargs';
import { out } from '../program.js';
import { defaultKeyFile, generateSubmitterKey } from '../../submitter-key.js';
import { writeStderr } from '../stdio.js';

interface KeygenArgs {
  key?: string;
  force: boolean;
}

export const keygenCommand: CommandModule<object, KeygenArgs> = {
  command: 'keygen',
  describe: 'make the key pair that signs your jobs (~/.config/zkjobs/id_ed25519) and print its public key line',
  builder: (y: Argv) =>
    y
      .option('key', { type: 'string', default: process.env.ZKJOBS_KEY, describe: 'private key file to create (env ZKJOBS_KEY; default ~/.config/zkjobs/id_ed25519)' })
      .option('force', { type: 'boolean', default: false, describe: 'replace an existing key' }) as Argv<KeygenArgs>,
  handler: (args) => {
    const file = args.key || defaultKeyFile();
    const line = generateSubmitterKey(file, args.force);
    writeStderr(`zkjobc: private key in ${file}, public key in ${file}.pub; add this line, prefixed with the account to run as, to each daemon's authorized_submitters:\n`);
    out(line);
  },
};
