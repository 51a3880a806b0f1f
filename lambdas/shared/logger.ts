/**
 * Powertools Logger and Tracer, built once per function module with the function's service name,
 * so every log line and trace segment carries it. Handlers call `observability('<name>')` at
 * module scope and log through the returned logger (never `console`).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';

export interface Observability {
  readonly logger: Logger;
  readonly tracer: Tracer;
}

const cache = new Map<string, Observability>();

/** Logger + Tracer for `serviceName` (cached: repeated calls return the same instances). */
export function observability(serviceName: string): Observability {
  let entry = cache.get(serviceName);
  if (!entry) {
    entry = {
      logger: new Logger({ serviceName }),
      // Tracing is off outside Lambda (tests, local mode) unless explicitly enabled.
      tracer: new Tracer({
        serviceName,
        enabled: process.env.POWERTOOLS_TRACE_ENABLED !== 'false' && !!process.env.AWS_LAMBDA_FUNCTION_NAME,
      }),
    };
    cache.set(serviceName, entry);
  }
  return entry;
}
