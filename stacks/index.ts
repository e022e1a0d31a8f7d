/**
 * The reference stack as a kstack program: what `kstack synth` (and `npm run synth`) reads.
 * A user's own project has the same shape (see `kstack init`).
 */
import { defineStack } from '../lib';
import { buildAppStack } from './app-stack';
import { environments } from './environments';

export default defineStack({
  environments,
  build: buildAppStack,
  buildRoot: '.',
});
