/**
 * `sepflow interfaces`: the interfaces libpcap can capture on, with their addresses and state, as a table
 * or (`--json`) a JSON array of { name, description, addresses, loopback, state }.
 */
import { Command } from 'commander';
import { LiveError, listInterfaces } from '../../source/live.js';
import { UserError } from '../errors.js';
import { liveErrorMessage } from './live.js';

/** Builds the `interfaces` command; `done` receives the exit status. */
export function interfacesCommand(done: (code: number) => void, io: { stderr: (l: string) => void; stdout: (t: string) => void }): Command {
  return new Command('interfaces')
    .description('list the interfaces "sepflow live -i" can capture on, with their addresses')
    .option('--json', 'JSON instead of a table')
    .action((opts: { json?: boolean }) => {
      let list;
      try {
        list = listInterfaces();
      } catch (e) {
        if (e instanceof LiveError) throw new UserError(liveErrorMessage(e));
        throw e;
      }
      if (opts.json) {
        io.stdout(JSON.stringify(list, null, 2) + '\n');
      } else {
        const w = Math.max(9, ...list.map((i) => i.name.length)) + 2;
        const out = [`${'INTERFACE'.padEnd(w)}${'STATE'.padEnd(9)}ADDRESSES`];
        for (const i of list) {
          const what = [i.addresses.join(', '), i.loopback ? '(loopback)' : '', i.description ?? ''].filter(Boolean).join('  ');
          out.push(`${i.name.padEnd(w)}${(i.state ?? '-').padEnd(9)}${what || '-'}`);
        }
        io.stdout(out.join('\n') + '\n');
      }
      done(0);
    });
}
