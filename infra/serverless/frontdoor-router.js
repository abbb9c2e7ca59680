import cf from 'cloudfront';

// The front door's router: a CloudFront Function (cloudfront-js-2.0, viewer request) on every behavior that
// reaches a function (docs/deploy-frontdoor.md). One origin stands for all user functions; this function points
// the request at the Function URL of the function named in the path, so 30+ functions need neither 30+ origins
// nor 30+ cache behaviors (CloudFront's default quotas are 25 of each).
//
// infra/serverless/frontdoor.js fills ROUTES (function name -> its Function URL host) from the functions that
// have a URL in serverless.yml, and ALIASES (old frontend names) from infra/function_aliases.json. Anything else —
// an admin or system function, an unknown name, another path — gets a 404 here and never reaches an origin.
const ROUTES = {/* ROUTES */};
const ALIASES = {/* ALIASES */};
const PATH = /^\/functions\/v1\/([a-z0-9-]{1,64})\/?$/;
const ORIGIN_SECRET_HEADER = 'x-origin-verify';
const VIEWER_IP_HEADER = 'x-luckymart-viewer-ip';

function has(table, key) {
  return Object.prototype.hasOwnProperty.call(table, key);
}

function notFound() {
  return {
    statusCode: 404,
    statusDescription: 'Not Found',
    headers: {
      'content-type': { value: 'application/json' },
      'cache-control': { value: 'no-store' },
    },
    body: {
      encoding: 'text',
      data: '{"success":false,"error":{"code":"NOT_FOUND","message":"no such function"}}',
    },
  };
}

function handler(event) {
  const request = event.request;
  const match = PATH.exec(request.uri);
  if (!match) return notFound();
  const name = has(ALIASES, match[1]) ? ALIASES[match[1]] : match[1];
  if (!has(ROUTES, name)) return notFound();
  // The origin secret is CloudFront's to add (origin custom header); a caller's own value never travels on.
  delete request.headers[ORIGIN_SECRET_HEADER];
  // The caller's address for the function's records (a session's IP): the Function URL sees only CloudFront's.
  // Set here, over any value the caller sent; functions trust it only behind the origin check.
  request.headers[VIEWER_IP_HEADER] = { value: event.viewer.ip };
  // The function answers its own canonical path; the path stays in the cache key, so two functions never share
  // a cached answer.
  request.uri = '/functions/v1/' + name;
  // Only the host changes: the secret header, protocol and timeouts come from the "functions" origin.
  cf.updateRequestOrigin({ domainName: ROUTES[name] });
  return request;
}
