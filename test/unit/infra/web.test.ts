/** The Web construct in the platform stack: Amplify hosting with the runtime config. */
import { describe, expect, it } from 'vitest';
import { useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const only = stack.only;

describe('web', () => {
  it('hosts the web app on Amplify with rewrites, security headers and the runtime config deployed with the build', () => {
    const app = only('AWS::Amplify::App');
    expect(app.Properties.CustomRules).toEqual(
      [
        { Source: '/u/<*>', Target: '/u/index.html', Status: '200' },
        { Source: '/replay/<*>', Target: '/replay/index.html', Status: '200' },
      ].map((r) => expect.objectContaining({ Source: r.Source, Status: r.Status })),
    );
    expect(app.Properties.CustomHeaders).toContain('Content-Security-Policy');
    expect(app.Properties.CustomHeaders).toContain('Strict-Transport-Security');
    t().hasResourceProperties('AWS::Amplify::Branch', { BranchName: 'main', EnableAutoBuild: false });
    const deploy = only('Custom::CDKBucketDeployment');
    // Build and runtime config staged together for Amplify (deploy-readiness.test.ts checks the config file).
    expect(deploy.Properties.DestinationBucketKeyPrefix).toBe('site/');
    expect(JSON.stringify(only('Custom::AWS').Properties.Create)).toContain('startDeployment');
  });
});
