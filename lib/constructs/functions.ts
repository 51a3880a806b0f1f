import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { RemovalPolicy } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { FUNCTIONS, type FunctionSpec } from '../functions/catalog';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface FunctionsProps {
  /** Prefix of the function names (`<prefix>-<catalog name>`). */
  readonly prefix: string;
  /** Days each function's log group keeps entries; a value CloudWatch does not offer falls back to 30. */
  readonly logRetentionDays: number;
  /** What deleting the stack does to the functions' log groups. */
  readonly removalPolicy: RemovalPolicy;
  /** Environment every function receives (table names, topic ARN, ...). */
  readonly environment: Record<string, string>;
}

const RETENTION: Record<number, RetentionDays> = Object.fromEntries(
  Object.values(RetentionDays)
    .filter((v): v is RetentionDays => typeof v === 'number')
    .map((v) => [v, v]),
);

/**
 * One NodejsFunction per entry of the function catalog, all with the same defaults: Node.js 22 on
 * arm64, esbuild bundles with source maps, X-Ray tracing, a log group with retention, Powertools env.
 */
export class Functions extends Construct {
  private readonly byName = new Map<string, NodejsFunction>();

  constructor(scope: Construct, id: string, props: FunctionsProps) {
    super(scope, id);
    const retention = RETENTION[props.logRetentionDays] ?? RetentionDays.ONE_MONTH;
    for (const spec of FUNCTIONS) {
      this.byName.set(spec.name, this.create(spec, props, retention));
    }
  }

  private create(spec: FunctionSpec, props: FunctionsProps, retention: RetentionDays): NodejsFunction {
    const id = spec.name
      .split('-')
      .map((p) => p[0]?.toUpperCase() + p.slice(1))
      .join('');
    const logGroup = new LogGroup(this, `${id}Logs`, { retention, removalPolicy: props.removalPolicy });
    return new NodejsFunction(this, id, {
      functionName: `${props.prefix}-${spec.name}`,
      description: spec.description,
      entry: join(ROOT, 'lambdas', spec.name, 'handler.ts'),
      handler: 'handler',
      projectRoot: ROOT,
      depsLockFilePath: join(ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: spec.memoryMb ?? 256,
      timeout: Duration.seconds(spec.timeoutSeconds ?? 10),
      tracing: Tracing.ACTIVE,
      logGroup,
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: spec.name,
        POWERTOOLS_LOG_LEVEL: 'INFO',
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        // ESM bundles of CommonJS dependencies need `require` back.
        banner: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);",
        mainFields: ['module', 'main'],
      },
    });
  }

  /** The function built from `lambdas/<name>/`. */
  get(name: string): NodejsFunction {
    const fn = this.byName.get(name);
    if (!fn) throw new Error(`No function named ${name} in lib/functions/catalog.ts`);
    return fn;
  }
}
