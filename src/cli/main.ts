/**
 * sepflow's command line: the program, its commands, and the one error boundary that turns every error
 * into one line on standard error and a documented exit status (see errors.ts).
 */
import { Command, CommanderError } from 'commander';
import { analyseCommand } from './commands/analyse.js';
import { interfacesCommand } from './commands/interfaces.js';
import { liveCommand } from './commands/live.js';
import { profileCommand } from './commands/profile.js';
import { replayCommand } from './commands/replay.js';
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
`;

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
  program.addCommand(analyseCommand(setCode, io).exitOverride().addHelpText('after', EXIT_HELP));
  program.addCommand(profileCommand(setCode, io).exitOverride());
  program.addCommand(liveCommand(setCode, io).exitOverride().addHelpText('after', EXIT_HELP));
  program.addCommand(replayCommand(setCode, io).exitOverride().addHelpText('after', EXIT_HELP));
  program.addCommand(interfacesCommand(setCode, io).exitOverride());
  try {
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
