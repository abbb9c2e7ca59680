'use strict';
// infra/serverless/frontdoor.js on its own: settings that must be refused and the optional custom domain
// (neither stage file sets one, so the packaged templates show only the default certificate).
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const { frontDoorResources, userFunctionAdditions } = require(path.join(__dirname, '../../../infra/serverless/frontdoor.js'));

const settings = {
  enforceOriginSecret: true,
  originSecretVersion: 3,
  webAclArn: 'arn:aws:wafv2:us-east-1:123456789012:global/webacl/luckymart-test-edge/0123abcd-0000-4000-8000-000000000000',
};
const input = {
  stage: 'test',
  supabaseUrl: 'https://abc.supabase.co',
  ssmPrefix: '/luckymart/test',
  settings,
  userFunctions: [
    { name: 'logout', functionLogicalId: 'LogoutLambdaFunction', urlLogicalId: 'LogoutLambdaFunctionUrl' },
    {
      name: 'withdrawal-request',
      functionLogicalId: 'WithdrawalDashrequestLambdaFunction',
      urlLogicalId: 'WithdrawalDashrequestLambdaFunctionUrl',
    },
    { name: 'verify-draw', functionLogicalId: 'VerifyDashdrawLambdaFunction', urlLogicalId: 'VerifyDashdrawLambdaFunctionUrl' },
  ],
  aliases: { 'withdraw-request': 'withdrawal-request' },
  cachedFunctions: ['list-lotteries', 'verify-draw'],
};
const distribution = (overrides) => frontDoorResources({ ...input, ...overrides }).resources.FrontDoorDistribution
  .Properties.DistributionConfig;

test('a custom domain uses its us-east-1 certificate; without one, the CloudFront certificate', () => {
  const domain = 'api.luckymart.example.com';
  const certificateArn = 'arn:aws:acm:us-east-1:123456789012:certificate/0123abcd-0000-4000-8000-000000000000';
  const withDomain = frontDoorResources({ ...input, settings: { ...settings, domain, certificateArn } });
  const config = withDomain.resources.FrontDoorDistribution.Properties.DistributionConfig;
  assert.deepEqual(config.Aliases, [domain]);
  assert.deepEqual(config.ViewerCertificate,
    { AcmCertificateArn: certificateArn, SslSupportMethod: 'sni-only', MinimumProtocolVersion: 'TLSv1.2_2021' });
  assert.equal(withDomain.outputs.FrontDoorUrl.Value, `https://${domain}`);
  assert.deepEqual(distribution({}).ViewerCertificate, { CloudFrontDefaultCertificate: true });
  assert.equal(distribution({}).Aliases, undefined);
});

test('settings that cannot work are refused at package time', () => {
  const bad = [
    { webAclArn: undefined },
    { webAclArn: 'arn:aws:wafv2:eu-central-1:123456789012:regional/webacl/x/y' }, // REGIONAL scope
    { domain: 'api.example.com' }, // no certificate
    { domain: 'api.example.com', certificateArn: 'arn:aws:acm:eu-central-1:123456789012:certificate/x' },
    { originSecretVersion: 0 },
    { originSecretVersion: '1' },
    { enforceOriginSecret: 'yes' },
  ];
  for (const change of bad) {
    assert.throws(() => frontDoorResources({ ...input, settings: { ...settings, ...change } }), /front door/,
      JSON.stringify(change));
  }
  assert.throws(() => frontDoorResources({ ...input, aliases: { 'withdraw-request': 'admin-finance' } }), /alias/);
  assert.throws(() => frontDoorResources({ ...input, aliases: { logout: 'withdrawal-request' } }), /alias/);
});

test('only deployed functions get a cached behavior', () => {
  assert.deepEqual(distribution({}).CacheBehaviors.map((b) => b.PathPattern),
    ['/functions/v1/verify-draw', '/verify/*', '/rest/v1/*', '/auth/v1/*', '/storage/v1/*']);
});

test('with enforcement off the functions get no grant and the check is off', () => {
  const off = userFunctionAdditions({ settings: { ...settings, enforceOriginSecret: false }, ssmPrefix: '/luckymart/test' });
  assert.deepEqual(off.statements, []);
  assert.deepEqual(off.environment, { ORIGIN_SECRET_REQUIRED: 'false', ORIGIN_SECRET_VERSION: '3' });
  const on = userFunctionAdditions({ settings, ssmPrefix: '/luckymart/test' });
  assert.equal(on.statements.length, 1);
  assert.equal(on.environment.ORIGIN_SECRET_REQUIRED, 'true');
});
