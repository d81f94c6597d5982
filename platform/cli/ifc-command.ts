/**
 * `switchboard ifc check PROFILE --request FILE --session-case N [--registered|--unregistered]
 * [--json]`: which application servers a TS 29.228 user profile's iFCs send a request to, in
 * which order, and why. Profile problems and errors go to standard error with file:line:column,
 * so standard output stays the report (or pure JSON with --json).
 */
import { InvalidArgumentError, type Command } from 'commander';
import { silentLogger } from '../log/logger.js';
import { checkIfcFiles, firedAsJson, formatCheckText } from '../isc/index.js';
import type { CliIo } from './io.js';

interface CheckFlags {
  request: string;
  sessionCase: number;
  registered?: boolean;
  unregistered?: boolean;
  servedUser?: string;
  registrationType?: number;
  wholeUri?: boolean;
  json?: boolean;
}

export function registerIfcCommands(program: Command, io: CliIo, setStatus: (code: number) => void): void {
  const ifc = program.command('ifc').description('initial Filter Criteria tools (3GPP TS 29.228 user profiles)');
  ifc
    .command('check')
    .description('evaluate a user profile\'s iFCs against a request: which application servers fire, in which order, and why')
    .argument('<profile>', 'user profile: TS 29.228 IMSSubscription XML, or its YAML/JSON form')
    .requiredOption('--request <file>', 'the SIP request to evaluate (LF line ends and a wrong Content-Length are repaired)')
    .requiredOption(
      '--session-case <n>',
      'tDirectionOfRequest: 0 ORIGINATING_REGISTERED, 1 TERMINATING_REGISTERED, 2 TERMINATING_UNREGISTERED, 3 ORIGINATING_UNREGISTERED, 4 ORIGINATING_CDIV',
      integer('--session-case'),
    )
    .option('--registered', 'the served user is registered (implied by session cases 0 and 1; default for 4)')
    .option('--unregistered', 'the served user is not registered (implied by session cases 2 and 3)')
    .option('--served-user <uri>', 'public identity whose ServiceProfile applies (default: from P-Served-User, P-Asserted-Identity/From or the Request-URI)')
    .option('--registration-type <n>', 'for REGISTER: 0 INITIAL_REGISTRATION, 1 RE_REGISTRATION, 2 DE_REGISTRATION (default: from Expires and the registration state)', integer('--registration-type'))
    .option('--whole-uri', 'match RequestURI SPTs against the whole Request-URI (as Kamailio does) instead of its hostport or number (TS 29.228 Table F.1)')
    .option('--json', 'print the fired iFCs in order as a JSON array')
    .action(async (profile: string, flags: CheckFlags) => {
      if (flags.registered && flags.unregistered) {
        io.stderr('error: --registered and --unregistered exclude each other\n');
        setStatus(1);
        return;
      }
      const registered = flags.registered ? true : flags.unregistered ? false : undefined;
      const result = await checkIfcFiles(
        { profile, request: flags.request },
        {
          sessionCase: flags.sessionCase,
          ...(registered === undefined ? {} : { registered }),
          ...(flags.servedUser === undefined ? {} : { servedUser: flags.servedUser }),
          ...(flags.registrationType === undefined ? {} : { registrationType: flags.registrationType }),
          wholeUri: flags.wholeUri === true,
        },
        silentLogger,
      );
      if (!result.ok) {
        for (const error of result.errors) io.stderr(`error: ${error}\n`);
        setStatus(1);
        return;
      }
      for (const warning of result.report.warnings) io.stderr(`warning: ${warning}\n`);
      io.stdout(flags.json ? `${JSON.stringify(firedAsJson(result.report), null, 2)}\n` : formatCheckText(result.report));
    });
}

function integer(flag: string): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`${flag} must be a whole number, got "${value}"`);
    return Number(value);
  };
}
