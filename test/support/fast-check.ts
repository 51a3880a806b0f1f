/**
 * fast-check settings for the property tests: a fixed seed so a CI run is reproducible, a bounded
 * run count so it stays quick. FC_SEED replays another seed (fast-check prints the seed and the
 * shrunk counterexample's path when a property fails); FC_RUNS raises the count for a long run.
 */
import fc from 'fast-check';

/** Seed of every property in a run: FC_SEED, or a fixed one. */
export const FC_SEED = Number(process.env.FC_SEED ?? 20_261_202);
/** Runs per property: FC_RUNS, or 300. */
export const FC_RUNS = Number(process.env.FC_RUNS ?? 300);

/** Applies the seed and run count to every `fc.assert` of the calling test file. */
export function useSeededProperties(): void {
  fc.configureGlobal({ seed: FC_SEED, numRuns: FC_RUNS, endOnFailure: false });
}
