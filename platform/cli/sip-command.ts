/** `switchboard sip lint [FILE|-]`: parse one message and describe it as JSON. */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatUri, parseMessage } from '../sip/index.js';
import type { CliIo } from './io.js';

export interface LintReport {
  firstLine: string;
  headers: Array<{ name: string; value: string }>;
  bodyLength: number;
}

export function registerSipCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  const sip = program.command('sip').description('SIP message tools');
  sip
    .command('lint')
    .description('parse one SIP message (a file, or - / nothing for standard input) and print it as JSON')
    .argument('[file]', 'message file, or - for standard input', '-')
    .action(async (file: string) => {
      const data = file === '-' ? await io.readStdin() : await readMessageFile(file);
      const outcome = lintMessage(data);
      if ('error' in outcome) {
        io.stdout(`error: ${outcome.error}\n`);
        setStatus(1);
        return;
      }
      io.stdout(`${JSON.stringify(outcome.report, null, 2)}\n`);
    });
}

async function readMessageFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new Error(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

export function lintMessage(data: Buffer): { report: LintReport } | { error: string } {
  if (data.length === 0) return { error: 'empty input: no SIP message to parse' };
  const { message, errors } = parseMessage(data);
  const first = errors[0];
  if (first) return { error: `${first.status} ${first.reason}` };
  if (!message) return { error: 'not a SIP message' };
  const firstLine =
    message.kind === 'request'
      ? `${message.method} ${formatUri(message.uri)} ${message.version}`
      : `${message.version} ${message.status} ${message.reason}`;
  return {
    report: {
      firstLine,
      headers: message.headerFields.map((field) => ({ name: field.name, value: field.value })),
      bodyLength: message.body.length,
    },
  };
}

