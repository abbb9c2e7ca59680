'use strict';
// The deployed CloudFront Function (the router of the front door), run with a stand-in for the `cloudfront`
// module. tests/deploy/test_front_door.py renders the FunctionCode of a packaged template (Function URL hosts
// filled in) and runs this file with FRONT_DOOR_ROUTER_CODE and FRONT_DOOR_ROUTES pointing at it.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');

const codeFile = process.env.FRONT_DOOR_ROUTER_CODE;
const routesFile = process.env.FRONT_DOOR_ROUTES;
if (!codeFile || !routesFile) throw new Error('run through tests/deploy/test_front_door.py (needs a packaged template)');
const code = fs.readFileSync(codeFile, 'utf8');
const expected = JSON.parse(fs.readFileSync(routesFile, 'utf8')); // {routes: {name: host}, aliases, refused: []}

function load() {
  const calls = [];
  const cf = { updateRequestOrigin: (params) => calls.push(params) };
  assert.ok(code.startsWith("import cf from 'cloudfront';"), 'the cloudfront import must be the first line');
  const body = code.replace("import cf from 'cloudfront';", '') + '\nreturn handler;';
  const handler = new Function('cf', body)(cf); // eslint-disable-line no-new-func
  return { handler, calls };
}

function request(uri, headers = {}) {
  return {
    version: '1.0',
    context: { eventType: 'viewer-request' },
    viewer: { ip: '198.51.100.7' },
    request: { method: 'POST', uri, querystring: { limit: { value: '5' } }, headers, cookies: {} },
  };
}

test('every user function is routed to its own Function URL, path and query kept', () => {
  assert.ok(Object.keys(expected.routes).length >= 28);
  for (const [name, host] of Object.entries(expected.routes)) {
    const { handler, calls } = load();
    const out = handler(request(`/functions/v1/${name}`));
    assert.equal(out.uri, `/functions/v1/${name}`, name);
    assert.deepEqual(out.querystring, { limit: { value: '5' } });
    assert.deepEqual(calls, [{ domainName: host }], name);
  }
});

test('a trailing slash reaches the same function at its canonical path', () => {
  const [name, host] = Object.entries(expected.routes)[0];
  const { handler, calls } = load();
  assert.equal(handler(request(`/functions/v1/${name}/`)).uri, `/functions/v1/${name}`);
  assert.deepEqual(calls, [{ domainName: host }]);
});

test('old frontend names reach their function under its own path', () => {
  assert.ok(Object.keys(expected.aliases).length >= 1);
  for (const [alias, target] of Object.entries(expected.aliases)) {
    const { handler, calls } = load();
    const out = handler(request(`/functions/v1/${alias}`));
    assert.equal(out.uri, `/functions/v1/${target}`);
    assert.deepEqual(calls, [{ domainName: expected.routes[target] }]);
  }
});

test('admin and system functions, unknown names and other paths get a 404 from the edge', () => {
  const paths = [
    ...expected.refused.map((name) => `/functions/v1/${name}`),
    '/functions/v1/no-such-function', '/functions/v1/', '/functions/v1', '/functions/v1/__proto__',
    '/functions/v1/constructor', '/functions/v1/hasOwnProperty', '/functions/v1/toString',
    `/functions/v1/${Object.keys(expected.routes)[0]}/extra`, `/functions/v1/${Object.keys(expected.routes)[0].toUpperCase()}`,
    '/functions/v1/../rest/v1/users', '/', '/functions/v2/logout', '/functionsXv1/logout',
  ];
  assert.ok(expected.refused.length >= 9);
  for (const uri of paths) {
    const { handler, calls } = load();
    const out = handler(request(uri));
    assert.equal(out.statusCode, 404, uri);
    assert.equal(JSON.parse(out.body.data).error.code, 'NOT_FOUND');
    assert.deepEqual(calls, [], uri);
  }
});

test("a caller's own origin secret is dropped and its address is the one CloudFront saw", () => {
  const [name] = Object.keys(expected.routes);
  const { handler } = load();
  const headers = {
    'x-origin-verify': { value: 'guess' },
    'x-luckymart-viewer-ip': { value: '10.0.0.1' },
    apikey: { value: 'a' },
  };
  const out = handler(request(`/functions/v1/${name}`, headers));
  assert.equal(out.headers['x-origin-verify'], undefined);
  assert.deepEqual(out.headers['x-luckymart-viewer-ip'], { value: '198.51.100.7' });
  assert.deepEqual(out.headers.apikey, { value: 'a' });
});
