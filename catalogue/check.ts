/**
 * Build step (`npm run build`): validates `sep-ports.json` with validateCatalogue and exits 1 with the
 * CatalogueError's message when it is inconsistent, so a bad edit of the catalogue fails the build and `npm ci`.
 */
import data from './sep-ports.json' with { type: 'json' };
import { CatalogueError } from './index.js';
import { validateCatalogue } from './validate.js';

try {
  const entries = validateCatalogue(data);
  process.stdout.write(`catalogue: sep-ports.json valid (${entries.length} entries)\n`);
} catch (e) {
  process.stderr.write(`catalogue: ${e instanceof CatalogueError ? e.message : String(e)}\n`);
  process.exit(1);
}
