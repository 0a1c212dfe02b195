// Typed errors that carry the exit code a CLI should end with, so that every
// program maps failures to the same documented codes (sysexits.h).

export const EXIT = {
  OK: 0,
  FAILURE: 1,
  USAGE: 64,
  DATA: 65,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  TEMPFAIL: 75,
  NOPERM: 77,
  CONFIG: 78,
} as const;

export class ZkjobsError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.FAILURE, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.exitCode = exitCode;
  }
}

/** Bad command line: exit 64 with the usage line. */
export class UsageError extends ZkjobsError {
  constructor(message: string) {
    super(message, EXIT.USAGE);
  }
}

/** Bad data given to us or found in ZooKeeper: exit 65. */
export class DataError extends ZkjobsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.DATA, options);
  }
}

/** Settings that are well-formed but unsafe together (e.g. output served to the network without a token): exit 78. */
export class ConfigError extends ZkjobsError {
  constructor(message: string) {
    super(message, EXIT.CONFIG);
  }
}

/** ZooKeeper cannot be reached: exit 69. */
export class UnavailableError extends ZkjobsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.UNAVAILABLE, options);
  }
}

/** A failure worth retrying (connection lost mid-operation): exit 75. */
export class TempFailError extends ZkjobsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.TEMPFAIL, options);
  }
}

/** The named job or queue does not exist: exit 1. */
export class NotFoundError extends ZkjobsError {
  constructor(message: string) {
    super(message, EXIT.FAILURE);
  }
}

/** ZooKeeper refused us for want of the right identity: exit 77. */
export class NotAuthorizedError extends ZkjobsError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, EXIT.NOPERM, options);
  }
}
