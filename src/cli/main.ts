/**
 * sepflow's command line: the program, its commands, and the one error boundary that turns every error
 * into one line on standard error and a documented exit status (see errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { Exit, UserError } from './errors.js';
import { VERSION } from './version.js';

const EXIT_HELP = `
Exit status:
  0   no finding at or above --fail-on (default: high)
  1   at least one finding at or above --fail-on
  2   bad usage, or an input that cannot be read at all (one line on standard error names it);
      for live/interfaces also: no capture permission, unknown interface, capture module not built
  3   the report was written, but an input was damaged: it was read up to the damage
  4   live: the report was written, but the capture ended early (the interface went down)
  70  internal error in sepflow (please report it)
  141 standard output was closed early (e.g. piped into head): the rest of the output was dropped
`;

type CommandFactory = (setCode: (c: number) => void, io: { stderr: (l: string) => void; stdout: (t: string) => void }) => Command;

/** The commands, in the order help lists them, each loaded on demand. */
const COMMANDS = new Map<string, () => Promise<CommandFactory>>([
  ['analyse', async () => (await import('./commands/analyse.js')).analyseCommand],
  ['profile', async () => (await import('./commands/profile.js')).profileCommand],
  ['live', async () => (await import('./commands/live.js')).liveCommand],
  ['replay', async () => (await import('./commands/replay.js')).replayCommand],
  ['interfaces', async () => (await import('./commands/interfaces.js')).interfacesCommand],
]);
/** Aliases the commands declare (`.alias()`), to the command's name. */
const ALIASES = new Map([['analyze', 'analyse']]);
/** Commands whose help ends with the exit statuses. */
const HELP_EXIT = new Set(['analyse', 'live', 'replay']);

/**
 * Runs the CLI.
 * @param argv full argv (process.argv)
 * @returns the exit status
 */
export async function main(argv: string[]): Promise<number> {
  let code: number = Exit.Ok;
  const io = {
    stderr: (l: string) => process.stderr.write(l + '\n'),
    stdout: (t: string) => process.stdout.write(t),
  };
  const program = new Command('sepflow')
    .description('Passive traffic analyser for Symantec Endpoint Protection networks')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError()
    .addHelpText('after', EXIT_HELP)
    .configureOutput({ writeErr: (s) => process.stderr.write(s) });
  const setCode = (c: number) => (code = c);
  try {
    // only the command being run is loaded (its modules cost start-up time: the terminal UI, the YAML and
    // schema libraries); every command is loaded for the program's help or an unknown command
    const first = argv.slice(2).find((a) => !a.startsWith('-'));
    const wanted = first !== undefined ? (ALIASES.get(first) ?? first) : undefined;
    for (const [name, load] of COMMANDS) {
      if (wanted !== undefined && COMMANDS.has(wanted) && name !== wanted) continue;
      const make = await load();
      const cmd = make(setCode, io).exitOverride();
      program.addCommand(HELP_EXIT.has(name) ? cmd.addHelpText('after', EXIT_HELP) : cmd);
    }
    await program.parseAsync(argv);
    return code;
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end through here with exit code 0
      return e.exitCode === 0 ? Exit.Ok : Exit.Usage;
    }
    if (e instanceof UserError) {
      io.stderr(`sepflow: ${e.message}`);
      return e.exitCode;
    }
    io.stderr(`sepflow: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    io.stderr('sepflow: this is a bug; please report it with the command line that caused it.');
    return Exit.Internal;
  }
}
