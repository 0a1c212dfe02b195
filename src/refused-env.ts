// Job variables that are refused outright, at submit (exit 65) and again by
// the daemon (the job fails with the reason), because specs can be written
// straight into ZooKeeper. Each one makes a program run code that its
// arguments did not ask for: a shell's start-up file, a library the dynamic
// loader preloads, an interpreter's start-up module. Set by the daemon in the
// environment of every process of the job, they would act on a wrapper that
// still runs as root, before it drops privileges.
//
// The list is not the boundary (no list of such variables is complete):
// the daemon also keeps the job's variables away from the wrapper (see
// execution.ts), and the real boundary is the unprivileged user the job runs
// as. A job that needs one of these sets it inside its own command, e.g.
// `zkjobc submit -- env LD_LIBRARY_PATH=/opt/lib prog`, where it acts only
// with the job's identity.
import { DataError } from './errors.js';

/** Refused names and why, as the error message says it. */
export const REFUSED_ENV: ReadonlyMap<string, string> = new Map([
  ['BASH_ENV', 'bash runs that file before any script'],
  ['ENV', 'sh and ksh run that file at start'],
  ['SHELLOPTS', 'it sets bash options at start (xtrace with PS4 runs code)'],
  ['BASHOPTS', 'it sets bash options at start'],
  ['PS4', 'bash expands it, command substitutions included, on every traced command'],
  ['PROMPT_COMMAND', 'bash runs it before every prompt'],
  ['GCONV_PATH', 'glibc loads conversion modules from there'],
  ['GLIBC_TUNABLES', "it changes how glibc's loader behaves"],
  ['NODE_OPTIONS', 'node takes --require and --import from it'],
  ['PYTHONSTARTUP', 'python runs that file at start'],
  ['PYTHONWARNINGS', 'python imports the modules it names'],
  ['PERL5OPT', 'perl takes -M (load a module) from it'],
  ['PERL5DB', 'perl runs it as its debugger'],
  ['RUBYOPT', 'ruby takes -r (load a file) from it'],
  ['JAVA_TOOL_OPTIONS', 'the JVM takes -javaagent from it'],
  ['_JAVA_OPTIONS', 'the JVM takes -javaagent from it'],
  ['JDK_JAVA_OPTIONS', 'the java launcher takes -javaagent from it'],
]);

/** Why a variable is refused, or null when it is allowed. */
export function refusedReason(name: string): string | null {
  if (name.startsWith('LD_')) return 'the dynamic loader acts on every LD_ variable (LD_PRELOAD, LD_LIBRARY_PATH, LD_AUDIT…) in every program it starts';
  return REFUSED_ENV.get(name) ?? null;
}

/** Throws a DataError naming the first refused variable. */
export function checkJobEnv(env: Record<string, string> | undefined): void {
  for (const name of Object.keys(env ?? {})) {
    const why = refusedReason(name);
    if (why) throw new DataError(`environment variable ${name} is refused: ${why}; set it inside the command instead (env ${name}=… PROGRAM)`);
  }
}
