/**
 * `sepflow profile init FILE…`: writes a commented starting site profile inferred from captures.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { EMPTY_PROFILE } from '../../compliance/profile.js';
import { renderProfileInit } from '../../compliance/init.js';
import { Engine } from '../../engine.js';
import { CaptureOpenError } from '../../source/frame.js';
import { openCapture } from '../../source/open.js';
import { Exit, openErrorLine, UserError } from '../errors.js';

interface InitOptions {
  output?: string;
  force?: boolean;
}

/** Builds the `profile` command group; `done` receives the exit status. */
export function profileCommand(done: (code: number) => void, io: { stderr: (l: string) => void; stdout: (t: string) => void }): Command {
  const profile = new Command('profile').description('site profiles: write a starting profile inferred from a capture').exitOverride();
  profile
    .command('init')
    .description('infer host roles from capture files and write a commented site profile (YAML)')
    .argument('<files...>', 'capture files (pcap or pcapng; - for standard input)')
    .option('-o, --output <file>', 'write the profile to a file instead of standard output')
    .option('--force', 'overwrite --output if it exists')
    .action(async (files: string[], opts: InitOptions) => {
      if (opts.output && existsSync(opts.output) && !opts.force) {
        throw new UserError(`${opts.output}: exists; pass --force to overwrite it`);
      }
      const engine = new Engine(EMPTY_PROFILE);
      let damaged = false;
      for (const f of files) {
        let source;
        try {
          source = await openCapture(f);
        } catch (e) {
          if (e instanceof CaptureOpenError) throw new UserError(openErrorLine(e));
          throw e;
        }
        const s = await engine.consume(source);
        if (s.fault) {
          damaged = true;
          io.stderr(`sepflow: ${s.path}: read stopped at byte ${s.fault.offset} (${s.fault.code}): ${s.fault.message} The profile rests on the ${s.packets} packets before it.`);
        }
      }
      const text = renderProfileInit(engine.result().hosts, files);
      if (opts.output) {
        try {
          writeFileSync(opts.output, text);
        } catch (e) {
          throw new UserError(`${opts.output}: cannot write the profile: ${(e as Error).message}`);
        }
        io.stderr(`sepflow: wrote ${opts.output}; check it, then run: sepflow analyse ${files.join(' ')} --site ${opts.output}`);
      } else {
        io.stdout(text);
      }
      done(damaged ? Exit.PartialInput : Exit.Ok);
    });
  return profile;
}
