"""The API explorer the local gateway serves at /api/: Swagger UI (npm package swagger-ui-dist, pinned in
package-lock.json and served from node_modules, no CDN) over the generated /openapi.json. "Try it out" calls the
stack that serves the page: the page replaces the description's `servers` with its own origin, so a stack on free
ports is explored as it is. A session token goes in "Authorize" (X-Session-Token); money calls need an
Idempotency-Key."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SWAGGER_UI = ROOT / "node_modules" / "swagger-ui-dist"
ASSETS = {
    "swagger-ui.css": "text/css; charset=utf-8",
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui-standalone-preset.js": "text/javascript; charset=utf-8",
    "favicon-32x32.png": "image/png",
}
INDEX = b"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>LuckyMart API explorer</title>
  <link rel="icon" href="/api/favicon-32x32.png">
  <link rel="stylesheet" href="/api/swagger-ui.css">
</head>
<body>
  <div id="explorer"></div>
  <script src="/api/swagger-ui-bundle.js"></script>
  <script src="/api/swagger-ui-standalone-preset.js"></script>
  <script>
    fetch("/openapi.json")
      .then((answer) => answer.json())
      .then((spec) => {
        spec.servers = [{ url: location.origin, description: "this stack" }];
        window.explorer = SwaggerUIBundle({
          spec,
          dom_id: "#explorer",
          presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
          layout: "StandaloneLayout",
          deepLinking: true,
          persistAuthorization: true,
        });
      });
  </script>
</body>
</html>
"""
NOT_FOUND = (404, {"content-type": "application/json"}, b'{"message":"not found"}')


def serve(path: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers, body) for `/` (a redirect to the explorer) and paths under /api."""
    if path in {"/", "/api"}:
        return 302, {"location": "/api/"}, b""
    name = path[len("/api/") :]
    if name in {"", "index.html"}:
        return 200, {"content-type": "text/html; charset=utf-8", "cache-control": "no-store"}, INDEX
    if name not in ASSETS or not (SWAGGER_UI / name).is_file():
        return NOT_FOUND
    return 200, {"content-type": ASSETS[name], "cache-control": "max-age=3600"}, (SWAGGER_UI / name).read_bytes()
