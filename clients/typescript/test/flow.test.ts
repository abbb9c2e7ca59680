/**
 * The main screens' calls through the typed client against a running local stack. Started by
 * tests/e2e/test_typescript_client.py, which signs the initData, funds the user and creates a lottery; run alone
 * (no LUCKYMART_URL) it is skipped.
 */
import assert from "node:assert/strict";
import { test } from "node:test";

import { LuckyMartClient, LuckyMartError, memoryStore } from "../src/index.js";

const env = process.env;
const ready = Boolean(env.LUCKYMART_URL && env.LUCKYMART_INIT_DATA && env.LUCKYMART_LOTTERY_ID);

test("a player's main screens through the typed client", { skip: !ready && "no local stack" }, async () => {
  const store = memoryStore();
  const options = { url: env.LUCKYMART_URL!, anonKey: env.LUCKYMART_ANON_KEY!, store };
  const api = new LuckyMartClient(options);
  const lotteryId = env.LUCKYMART_LOTTERY_ID!;

  const signIn = await api.signIn(env.LUCKYMART_INIT_DATA!);
  assert.equal(signIn.is_new_user, false);

  // a new page load: the stored session is restored, not signed in again
  const reloaded = new LuckyMartClient(options);
  const restored = await reloaded.restore();
  assert.equal(restored?.user.id, signIn.user.id);

  const balance = await reloaded.call("get-wallet-balance", {});
  assert.equal(balance.wallets.find((w) => w.type === "BALANCE")?.balance, 100);

  const key = globalThis.crypto.randomUUID();
  const body = { lottery_id: lotteryId, quantity: 2, payment_method: "BALANCE" as const };
  const bought = await reloaded.call("lottery-purchase", body, { idempotencyKey: key });
  assert.equal(bought.ticket_numbers.length, 2);
  const replay = await reloaded.call("lottery-purchase", body, { idempotencyKey: key });
  assert.deepEqual(replay.ticket_numbers, bought.ticket_numbers, "a double tap is a replay");
  assert.equal(bought.remaining_balance, 98);

  const tickets = await reloaded.list("get-my-tickets", { lottery_id: lotteryId, limit: 10, offset: 0 });
  assert.equal(tickets.page.total, 2);
  assert.deepEqual(tickets.items.map((t) => t.ticket_number).sort(), [...bought.ticket_numbers].sort());

  const market = await reloaded.list("list-resale-items", { status: "ACTIVE", limit: 20, offset: 0 });
  assert.ok(market.page.total >= 0);
  const prizes = await reloaded.list("get-my-prizes", { limit: 20, offset: 0 });
  assert.equal(prizes.page.total, 0);

  await assert.rejects(
    reloaded.call("lottery-purchase", { ...body, quantity: 100 }),
    (error: unknown) => error instanceof LuckyMartError && error.code === "INSUFFICIENT_BALANCE" && error.status === 409,
  );

  await reloaded.logout();
  assert.equal(await reloaded.restore(), null);
  store.set(signIn.session.token); // the revoked token is refused with a typed error
  await assert.rejects(
    api.call("get-wallet-balance", {}),
    (error: unknown) => error instanceof LuckyMartError && error.code === "UNAUTHENTICATED",
  );
});
