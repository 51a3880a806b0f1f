/**
 * What is wrong with the runtime config, for the page to say. A module of its own (no zod) so the
 * banner that shows it can load with every page while the config itself still loads on first use.
 */
type Listener = (problem: string | undefined) => void;

let current: string | undefined;
const listeners = new Set<Listener>();

/** Records the problem (a sentence), or its end with `undefined`, and tells every listener. */
export function reportConfigProblem(problem: string | undefined): void {
  current = problem;
  for (const listener of listeners) listener(problem);
}

/** Calls `listener` with the current problem, if any, and with every later change; returns an unsubscribe. */
export function onConfigProblem(listener: Listener): () => void {
  listeners.add(listener);
  if (current) listener(current);
  return () => listeners.delete(listener);
}
