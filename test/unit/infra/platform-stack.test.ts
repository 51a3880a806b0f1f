/** The platform stack as a whole: cdk-nag's AwsSolutions rules (each construct has its own test file). */
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { buildStack } from './stack';

describe('cdk-nag', () => {
  it('reports no unacknowledged AwsSolutions findings in dev and prod', () => {
    for (const b of [buildStack('dev'), buildStack('prod')]) {
      const report = new AwsSolutionsChecks(b.app).validateScope(b.stack);
      expect(
        report.violations.map(
          (v) =>
            `${v.ruleName} @ ${v.violatingResources.map((r) => (r as { constructPath?: string }).constructPath).join(', ')}`,
        ),
      ).toEqual([]);
      expect(report.success).toBe(true);
    }
    // Two synthesized stages and every AwsSolutions rule: ~20 s on a quiet 2-core machine, over a minute on a busy one.
  }, 180_000);
});
