/**
 * `switchboard` command line. Each subcommand lives in its own file; this one only wires them.
 * Returns the process exit status instead of calling process.exit, so tests can call it.
 */
import { Command, CommanderError } from 'commander';
import { registerStartCommand } from './start-command.js';
import { registerSipCommands } from './sip-command.js';
import { registerIfcCommands } from './ifc-command.js';
import { registerIfcProfileCommands } from './ifc-profile-command.js';
import { registerCplCommands } from './cpl-command.js';
import { registerUserCommands } from './user-command.js';
import { registerAppCommands } from './app-command.js';
import { registerTraceCommands } from './trace-command.js';
import type { CliIo } from './io.js';
import { processIo } from './io.js';

export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const program = new Command('switchboard')
    .description('Switchboard SIP application server')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .showHelpAfterError();
  let status = 0;
  const setStatus = (code: number): void => {
    status = code;
  };
  registerStartCommand(program, io, setStatus);
  registerSipCommands(program, io, setStatus);
  registerIfcCommands(program, io, setStatus);
  registerIfcProfileCommands(program, io, setStatus); // adds `ifc profile` to the `ifc` command
  registerCplCommands(program, io, setStatus);
  registerUserCommands(program, io, setStatus);
  registerAppCommands(program, io, setStatus);
  registerTraceCommands(program, io, setStatus);
  // one line per command module: registerXCommands(program, io, setStatus);
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr(`error: ${(error as Error).message}\n`);
    return 1;
  }
  return status;
}
