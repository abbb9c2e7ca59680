'use strict';

// The production front door (docs/deploy-frontdoor.md), generated from the function list: one CloudFront
// distribution where /functions/v1/<name> reaches the user function <name> (every function with a `url` in
// serverless.yml, nothing else) and /rest/v1, /auth/v1, /storage/v1 reach the stage's Supabase project.
//
// Design within CloudFront's default quotas (25 origins, 25 cache behaviors per distribution): two origins
// ("supabase" and "functions") and a CloudFront Function (frontdoor-router.js) that points each function request
// at its Function URL with cf.updateRequestOrigin; the behaviors are the three Supabase paths, one per cached
// function and the default. The "functions" origin carries the origin secret header (SSM, resolved by
// CloudFormation), which every user function checks (luckymart.frontdoor). A third origin, a private S3 bucket read
// through Origin Access Control, serves the draw verification page under /verify/ (web/verify, issue 18).
const fs = require('fs');
const path = require('path');

const ROUTER_SOURCE = path.join(__dirname, 'frontdoor-router.js');
const ORIGIN_SECRET_HEADER = 'X-Origin-Verify';
const ORIGIN_SECRET_PARAMETER = 'origin_secret';
// AWS managed policies (the same IDs in every account).
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
// Every viewer header (Authorization included, when nothing is cached) except Host, which must be the origin's.
const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
const SUPABASE_PATHS = ['/rest/v1/*', '/auth/v1/*', '/storage/v1/*'];
const CACHING_OPTIMIZED = '658327ea-f89d-4fab-a63d-7e88639e58f6';
const VERIFY_PAGE_PATH = '/verify/*';
// /verify/ and /verify/?lottery=… → /verify/index.html (S3 through OAC has no directory index).
const VERIFY_INDEX_CODE = [
  'function handler(event) {',
  '  var request = event.request;',
  "  if (request.uri.endsWith('/')) request.uri += 'index.html';",
  '  return request;',
  '}',
].join('\n');
const ALL_METHODS = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'];

/** The Function URL host of a function: https://<host>/ → <host>. */
function urlHost(urlLogicalId) {
  return { 'Fn::Select': [2, { 'Fn::Split': ['/', { 'Fn::GetAtt': [urlLogicalId, 'FunctionUrl'] }] }] };
}

function originSecretReference(ssmPrefix, version) {
  // A CloudFormation dynamic reference: the value is read from SSM at deploy time, never written in the template.
  // A String parameter: CloudFront is not among the resources that may resolve ssm-secure references, and the
  // value is readable in the distribution's configuration anyway. Pinning the version makes a rotation a visible
  // template change (config/<stage>.yml originSecretVersion), which CloudFormation then applies.
  return `{{resolve:ssm:${ssmPrefix}/${ORIGIN_SECRET_PARAMETER}:${version}}}`;
}

function check(condition, message) {
  if (!condition) throw new Error(`front door: ${message}`);
}

function validate(settings) {
  check(settings && typeof settings === 'object', 'config/<stage>.yml needs a frontDoor section');
  check(Number.isInteger(settings.originSecretVersion) && settings.originSecretVersion >= 1,
    'frontDoor.originSecretVersion must be an integer >= 1');
  check(typeof settings.enforceOriginSecret === 'boolean', 'frontDoor.enforceOriginSecret must be true or false');
  // A CLOUDFRONT-scope web ACL exists only in us-east-1 (make deploy-edge).
  check(/^arn:aws:wafv2:us-east-1:\d{12}:global\/webacl\/[\w-]+\/[\w-]+$/.test(settings.webAclArn || ''),
    'frontDoor.webAclArn must be the ARN of a CLOUDFRONT-scope web ACL in us-east-1 (make deploy-edge)');
  check(Boolean(settings.domain) === Boolean(settings.certificateArn),
    'frontDoor.domain and frontDoor.certificateArn go together');
  if (settings.certificateArn) {
    check(/^arn:aws:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(settings.certificateArn),
      'frontDoor.certificateArn must be an ACM certificate in us-east-1 (CloudFront reads certificates only there)');
  }
}

/**
 * Resources and outputs of the front door.
 * @param {object} input
 * @param {string} input.stage
 * @param {string} input.supabaseUrl   the stage's Supabase project URL (config/<stage>.yml)
 * @param {string} input.ssmPrefix     /luckymart/<stage>
 * @param {object} input.settings      config/<stage>.yml frontDoor
 * @param {Array<{name: string, functionLogicalId: string, urlLogicalId: string}>} input.userFunctions  every
 *        function with a URL
 * @param {Object<string, string>} input.aliases  old name → user function
 * @param {string[]} input.cachedFunctions  user functions whose answers CloudFront may cache per Cache-Control
 */
function frontDoorResources({ stage, supabaseUrl, ssmPrefix, settings, userFunctions, aliases, cachedFunctions }) {
  validate(settings);
  check(userFunctions.length > 0, 'no function has a URL');
  const names = new Set(userFunctions.map((fn) => fn.name));
  for (const [alias, target] of Object.entries(aliases || {})) {
    check(names.has(target), `alias ${alias} points at ${target}, which is not a user function`);
    check(!names.has(alias), `alias ${alias} hides the user function of that name`);
  }
  const supabaseHost = new URL(supabaseUrl).host;
  const sorted = [...userFunctions].sort((a, b) => a.name.localeCompare(b.name));

  const functionBehavior = {
    TargetOriginId: 'functions',
    ViewerProtocolPolicy: 'https-only',
    AllowedMethods: ALL_METHODS,
    CachedMethods: ['GET', 'HEAD'],
    Compress: true,
    CachePolicyId: CACHING_DISABLED,
    OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST,
    FunctionAssociations: [
      { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': ['FrontDoorRouter', 'FunctionARN'] } },
    ],
  };
  const cached = (cachedFunctions || []).filter((name) => names.has(name)).sort();
  const behaviors = [
    ...cached.map((name) => ({
      ...functionBehavior,
      PathPattern: `/functions/v1/${name}`,
      CachePolicyId: { Ref: 'FrontDoorPublicCachePolicy' },
    })),
    {
      // The verification page: static files, cached at the edge, read-only.
      PathPattern: VERIFY_PAGE_PATH,
      TargetOriginId: 'verify-page',
      ViewerProtocolPolicy: 'redirect-to-https',
      AllowedMethods: ['GET', 'HEAD'],
      CachedMethods: ['GET', 'HEAD'],
      Compress: true,
      CachePolicyId: CACHING_OPTIMIZED,
      FunctionAssociations: [
        { EventType: 'viewer-request', FunctionARN: { 'Fn::GetAtt': ['FrontDoorVerifyIndex', 'FunctionARN'] } },
      ],
    },
    ...SUPABASE_PATHS.map((pattern) => ({
      PathPattern: pattern,
      TargetOriginId: 'supabase',
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ALL_METHODS,
      CachedMethods: ['GET', 'HEAD'],
      Compress: true,
      CachePolicyId: CACHING_DISABLED,
      OriginRequestPolicyId: ALL_VIEWER_EXCEPT_HOST,
    })),
  ];

  const distribution = {
    Enabled: true,
    Comment: `luckymart-${stage} front door: functions and Supabase on one domain`,
    HttpVersion: 'http2and3',
    IPV6Enabled: true,
    PriceClass: settings.priceClass || 'PriceClass_All',
    WebACLId: settings.webAclArn,
    Origins: [
      {
        Id: 'supabase',
        DomainName: supabaseHost,
        CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
      },
      {
        // Stands for every user function; the router replaces the host per request.
        Id: 'functions',
        DomainName: urlHost(sorted[0].urlLogicalId),
        CustomOriginConfig: {
          OriginProtocolPolicy: 'https-only',
          OriginSSLProtocols: ['TLSv1.2'],
          OriginReadTimeout: 30, // functions time out at 20 s
        },
        OriginCustomHeaders: [
          { HeaderName: ORIGIN_SECRET_HEADER, HeaderValue: originSecretReference(ssmPrefix, settings.originSecretVersion) },
        ],
      },
      {
        Id: 'verify-page',
        DomainName: { 'Fn::GetAtt': ['VerifyPageBucket', 'RegionalDomainName'] },
        S3OriginConfig: { OriginAccessIdentity: '' },
        OriginAccessControlId: { 'Fn::GetAtt': ['VerifyPageOriginAccessControl', 'Id'] },
      },
    ],
    DefaultCacheBehavior: functionBehavior,
    CacheBehaviors: behaviors,
  };
  if (settings.domain) {
    distribution.Aliases = [settings.domain];
    distribution.ViewerCertificate = {
      AcmCertificateArn: settings.certificateArn,
      SslSupportMethod: 'sni-only',
      MinimumProtocolVersion: 'TLSv1.2_2021',
    };
  } else {
    distribution.ViewerCertificate = { CloudFrontDefaultCertificate: true };
  }

  const resources = {
    FrontDoorRouter: {
      Type: 'AWS::CloudFront::Function',
      Properties: {
        Name: `luckymart-${stage}-front-door-router`,
        AutoPublish: true,
        FunctionConfig: { Comment: 'Routes /functions/v1/<name> to its Function URL', Runtime: 'cloudfront-js-2.0' },
        FunctionCode: routerCode(sorted, aliases || {}),
      },
    },
    FrontDoorVerifyIndex: {
      Type: 'AWS::CloudFront::Function',
      Properties: {
        Name: `luckymart-${stage}-verify-index`,
        AutoPublish: true,
        FunctionConfig: { Comment: '/verify/ → /verify/index.html', Runtime: 'cloudfront-js-2.0' },
        FunctionCode: VERIFY_INDEX_CODE,
      },
    },
    // The verification page's files (scripts/build_verify_page.py --stage <stage>, uploaded by make deploy-verify-page):
    // private, readable only by this distribution through Origin Access Control.
    VerifyPageBucket: {
      Type: 'AWS::S3::Bucket',
      Properties: {
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true,
        },
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
      },
    },
    VerifyPageOriginAccessControl: {
      Type: 'AWS::CloudFront::OriginAccessControl',
      Properties: {
        OriginAccessControlConfig: {
          Name: `luckymart-${stage}-verify-page`,
          OriginAccessControlOriginType: 's3',
          SigningBehavior: 'always',
          SigningProtocol: 'sigv4',
        },
      },
    },
    VerifyPageBucketPolicy: {
      Type: 'AWS::S3::BucketPolicy',
      Properties: {
        Bucket: { Ref: 'VerifyPageBucket' },
        PolicyDocument: {
          Version: '2012-10-17',
          Statement: [{
            Effect: 'Allow',
            Principal: { Service: 'cloudfront.amazonaws.com' },
            Action: 's3:GetObject',
            Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': ['VerifyPageBucket', 'Arn'] }, '/*']] },
            Condition: {
              StringEquals: {
                'AWS:SourceArn': { 'Fn::Join': ['', [
                  'arn:', { Ref: 'AWS::Partition' }, ':cloudfront::', { Ref: 'AWS::AccountId' },
                  ':distribution/', { Ref: 'FrontDoorDistribution' },
                ]] },
              },
            },
          }],
        },
      },
    },
    FrontDoorPublicCachePolicy: {
      Type: 'AWS::CloudFront::CachePolicy',
      Properties: {
        CachePolicyConfig: {
          Name: `luckymart-${stage}-public-answers`,
          Comment: 'Public function answers, kept only as long as their Cache-Control allows',
          // Nothing is cached unless the function says so (no Cache-Control = not cached; private/no-store are
          // honoured because the minimum is 0).
          MinTTL: 0,
          DefaultTTL: 0,
          MaxTTL: 31536000,
          ParametersInCacheKeyAndForwardedToOrigin: {
            EnableAcceptEncodingGzip: true,
            EnableAcceptEncodingBrotli: true,
            QueryStringsConfig: { QueryStringBehavior: 'all' },
            // A session changes the answer (the caller's own tickets), so the session headers are part of the
            // key: one cached copy per session, shared only by callers without one. Origin too: the function's
            // CORS answer echoes it.
            HeadersConfig: { HeaderBehavior: 'whitelist', Headers: ['authorization', 'x-session-token', 'origin'] },
            CookiesConfig: { CookieBehavior: 'none' },
          },
        },
      },
    },
    FrontDoorDistribution: {
      Type: 'AWS::CloudFront::Distribution',
      // A rotation changes the functions (accepted versions) and the distribution (version sent): the functions
      // must be done first, so edges that already send the new version always meet functions that accept it.
      DependsOn: sorted.map((fn) => fn.functionLogicalId),
      Properties: { DistributionConfig: distribution },
    },
  };
  const outputs = {
    FrontDoorUrl: {
      Description: 'SUPABASE_URL for the frontend: functions and Supabase on one domain',
      Value: settings.domain
        ? `https://${settings.domain}`
        : { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': ['FrontDoorDistribution', 'DomainName'] }]] },
    },
    FrontDoorDistributionDomain: { Value: { 'Fn::GetAtt': ['FrontDoorDistribution', 'DomainName'] } },
    FrontDoorDistributionId: { Value: { Ref: 'FrontDoorDistribution' } },
    VerifyPageBucketName: { Value: { Ref: 'VerifyPageBucket' } },
  };
  return { resources, outputs };
}

/** The router's code with its route table: a string, or an Fn::Join when Function URL hosts are filled in. */
function routerCode(userFunctions, aliases) {
  const source = fs.readFileSync(ROUTER_SOURCE, 'utf8');
  const [head, rest] = splitOnce(source, '{/* ROUTES */}');
  const [middle, tail] = splitOnce(rest, '{/* ALIASES */}');
  const parts = [head, '{'];
  userFunctions.forEach((fn, index) => {
    parts.push(`${index ? ',' : ''}${JSON.stringify(fn.name)}:"`, urlHost(fn.urlLogicalId), '"');
  });
  parts.push('}', middle, JSON.stringify(aliases), tail);
  return { 'Fn::Join': ['', parts] };
}

function splitOnce(text, marker) {
  const at = text.indexOf(marker);
  check(at >= 0 && text.indexOf(marker, at + 1) < 0, `${ROUTER_SOURCE} must contain ${marker} once`);
  return [text.slice(0, at), text.slice(at + marker.length)];
}

/** What every user function needs for the origin check: its settings, and read access to the secret's versions. */
function userFunctionAdditions({ settings, ssmPrefix }) {
  validate(settings);
  return {
    environment: {
      ORIGIN_SECRET_REQUIRED: String(settings.enforceOriginSecret),
      ORIGIN_SECRET_VERSION: String(settings.originSecretVersion),
    },
    statements: settings.enforceOriginSecret
      ? [
          {
            Effect: 'Allow',
            Action: 'ssm:GetParameter',
            Resource: {
              'Fn::Join': ['', [
                'arn:', { Ref: 'AWS::Partition' }, ':ssm:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' },
                `:parameter${ssmPrefix}/${ORIGIN_SECRET_PARAMETER}`,
              ]],
            },
          },
        ]
      : [],
  };
}

module.exports = { frontDoorResources, userFunctionAdditions, routerCode };
