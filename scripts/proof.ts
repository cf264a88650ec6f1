/**
 * `npm run proof`: the long proof under load, faults and hostile input, with its figures table. The work is
 * in bench/load/proof.ts (type-checked and linted with the rest); `npm run proof -- --quick` is a short run.
 */
import { main } from '../bench/load/proof.js';

void main(process.argv.slice(2));
