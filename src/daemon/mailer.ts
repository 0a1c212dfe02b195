// Mail on error: when a job fails (non-zero exit, signal, timeout) and a
// recipient is set (the job's --mail-to, else the queue's), a report goes
// out through nodemailer after the result is published. Sending is
// fire-and-forget with a time limit: a mail failure is logged and never
// fails or delays the job's result.
import os from 'node:os';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Logger } from '../log.js';
import type { JobResult } from '../result.js';
import { describeCommand } from '../job-spec.js';

export interface SmtpOptions {
  host: string;
  /** Default 25 (465 with tls). */
  port: number;
  /** Implicit TLS (smtps); STARTTLS is used when the server offers it either way. */
  tls: boolean;
  user?: string;
  password?: string;
  /** Default zkjobd@HOSTNAME. */
  from: string;
}

const SEND_TIMEOUT_MS = 30_000;

export class Mailer {
  private readonly transport: Transporter;

  constructor(private readonly smtp: SmtpOptions, private readonly log: Logger) {
    this.transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.tls,
      auth: smtp.user ? { user: smtp.user, pass: smtp.password ?? '' } : undefined,
      connectionTimeout: SEND_TIMEOUT_MS,
      greetingTimeout: SEND_TIMEOUT_MS,
      socketTimeout: SEND_TIMEOUT_MS,
      tls: { rejectUnauthorized: false },
    });
  }

  /** Send the failure report in the background. */
  reportFailure(jobId: string, result: JobResult, to: string): void {
    const fields = { job: jobId, node: result.node, to };
    this.transport
      .sendMail({ from: this.smtp.from, to, subject: failureSubject(jobId, result), text: failureReport(jobId, result) })
      .then(() => this.log.info('failure report mailed', fields))
      .catch((err: Error) => this.log.warn('cannot mail failure report', { ...fields, error: err.message }));
  }
}

export function defaultFrom(): string {
  return `zkjobd@${os.hostname()}`;
}

export function shouldMail(result: JobResult): boolean {
  return result.state === 'failed';
}

export function exitDescription(result: JobResult): string {
  if (result.reason === 'timeout') return `timed out${result.signal ? ` (killed by ${result.signal})` : ''}`;
  if (result.signal) return `killed by ${result.signal}`;
  if (result.exitCode !== null) return `exit status ${result.exitCode}`;
  return result.reason ?? 'failed';
}

export function failureSubject(jobId: string, result: JobResult): string {
  return `zkjobs: job ${jobId} failed (${exitDescription(result)}) on ${result.node}`;
}

export function failureReport(jobId: string, result: JobResult): string {
  return [
    `Job:       ${jobId}${result.spec?.name ? ` (${result.spec.name})` : ''}`,
    `Command:   ${result.spec ? describeCommand(result.spec) : '(unreadable spec)'}`,
    `Node:      ${result.node}`,
    `Status:    ${exitDescription(result)}`,
    ...(result.reason && result.reason !== 'timeout' ? [`Reason:    ${result.reason}`] : []),
    `Attempt:   ${result.attempt}`,
    `Started:   ${result.startedAt ?? '-'}`,
    `Finished:  ${result.finishedAt}`,
    ...(result.spec?.submitter ? [`Submitter: ${result.spec.submitter}`] : []),
    '',
    'Last lines of stderr:',
    '',
    lastLines(result.stderrTail, 50) || '(empty)',
  ].join('\n');
}

function lastLines(text: string, count: number): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}
