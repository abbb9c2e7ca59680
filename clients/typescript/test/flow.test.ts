/**
 * The client in Node.js: the player flow against a running local stack (started by
 * tests/e2e/test_typescript_client.py, which signs the initData, funds the user and creates a lottery; run alone,
 * without LUCKYMART_URL, it is skipped), and its retry rule against a small real HTTP server.
 */
import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";

import { playerFlow } from "../flows/player.js";
import { LuckyMartClient, LuckyMartError } from "../src/index.js";

const env = process.env;
const ready = Boolean(env.LUCKYMART_URL && env.LUCKYMART_INIT_DATA && env.LUCKYMART_LOTTERY_ID);

test("a player's main screens through the typed client", { skip: !ready && "no local stack" }, async () => {
  const steps = await playerFlow({
    url: env.LUCKYMART_URL!,
    anonKey: env.LUCKYMART_ANON_KEY!,
    initData: env.LUCKYMART_INIT_DATA!,
    lotteryId: env.LUCKYMART_LOTTERY_ID!,
  });
  assert.equal(steps.length, 8);
});

test("a 503 UNAVAILABLE is retried after Retry-After with the same Idempotency-Key", async () => {
  const seen: { key: string | undefined; at: number }[] = [];
  const server = createServer((request, response) => {
    seen.push({ key: request.headers["idempotency-key"] as string | undefined, at: Date.now() });
    response.setHeader("content-type", "application/json");
    if (seen.length === 1) {
      response.writeHead(503, { "retry-after": "1" });
      const error = { code: "UNAVAILABLE", message: "briefly unavailable", details: { retry_after_seconds: 1 } };
      response.end(JSON.stringify({ success: false, error }));
      return;
    }
    response.end(JSON.stringify({ success: true, data: { converted_amount: 5 } }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const api = new LuckyMartClient({ url: `http://127.0.0.1:${port}`, anonKey: "anon" });
    const data = await api.call("exchange-balance", { amount: 5 }, { idempotencyKey: "tap-1" });
    assert.equal((data as { converted_amount: number }).converted_amount, 5);
    assert.deepEqual(seen.map((s) => s.key), ["tap-1", "tap-1"]);
    assert.ok(seen[1]!.at - seen[0]!.at >= 950, "waited for Retry-After");

    const once = new LuckyMartClient({ url: `http://127.0.0.1:${port}`, anonKey: "anon", retries: 0 });
    seen.length = 0;
    await assert.rejects(
      once.call("exchange-balance", { amount: 5 }),
      (error: unknown) => error instanceof LuckyMartError && error.code === "UNAVAILABLE" && error.status === 503,
    );
  } finally {
    server.close();
  }
});
