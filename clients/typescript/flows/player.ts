/**
 * A player's main screens through the typed client, as one function that runs unchanged in Node.js
 * (test/flow.test.ts) and in a real browser (browser/index.html, driven by tests/e2e/test_typescript_client.py).
 * It uses the client's defaults (the global fetch, crypto.randomUUID) exactly as the Mini App does, so a client
 * that works in one runtime and not the other fails here. It needs a signed initData of a user with 100.00 on
 * BALANCE and an active lottery with tickets at 1.00.
 */
import { LuckyMartClient, LuckyMartError, memoryStore, type TokenStore } from "../src/index.js";

export interface PlayerFlowInput {
  url: string;
  anonKey: string;
  initData: string;
  lotteryId: string;
  /** Where the session lives between "page loads" (localStorage in a browser). */
  store?: TokenStore;
}

function check(condition: unknown, step: string): asserts condition {
  if (!condition) throw new Error(`step failed: ${step}`);
}

async function rejectsWith(call: Promise<unknown>, code: string, status: number, step: string): Promise<void> {
  try {
    await call;
  } catch (error) {
    check(error instanceof LuckyMartError, `${step}: a LuckyMartError`);
    check(error.code === code && error.status === status, `${step}: ${code}/${status}, got ${error.code}/${error.status}`);
    return;
  }
  throw new Error(`step failed: ${step}: no error`);
}

/** Runs every step; returns their names in order (throws at the first that fails). */
export async function playerFlow(input: PlayerFlowInput): Promise<string[]> {
  const steps: string[] = [];
  const store = input.store ?? memoryStore();
  const options = { url: input.url, anonKey: input.anonKey, store };
  const api = new LuckyMartClient(options);

  const signIn = await api.signIn(input.initData);
  check(signIn.session.token && store.get() === signIn.session.token, "sign in keeps the session");
  steps.push("sign in");

  const reloaded = new LuckyMartClient(options); // the app reopened: the stored session is restored
  const restored = await reloaded.restore();
  check(restored?.user.id === signIn.user.id, "restore");
  steps.push("restore");

  const balance = await reloaded.call("get-wallet-balance", {});
  check(balance.wallets.find((w) => w.type === "BALANCE")?.balance === 100, "balance is 100");
  steps.push("balance");

  const key = globalThis.crypto.randomUUID(); // one key per tap
  const body = { lottery_id: input.lotteryId, quantity: 2, payment_method: "BALANCE" as const };
  const bought = await reloaded.call("lottery-purchase", body, { idempotencyKey: key });
  check(bought.ticket_numbers.length === 2 && bought.remaining_balance === 98, "buy 2 tickets");
  steps.push("buy");

  const replay = await reloaded.call("lottery-purchase", body, { idempotencyKey: key });
  check(JSON.stringify(replay.ticket_numbers) === JSON.stringify(bought.ticket_numbers), "a double tap is a replay");
  check(replay.remaining_balance === 98, "a replay pays nothing");
  steps.push("replayed key");

  const tickets = await reloaded.list("get-my-tickets", { lottery_id: input.lotteryId, limit: 10, offset: 0 });
  check(tickets.page.total === 2, "my tickets");
  steps.push("my tickets");

  await rejectsWith(
    reloaded.call("lottery-purchase", { ...body, quantity: 100 }),
    "INSUFFICIENT_BALANCE",
    409,
    "typed error",
  );
  steps.push("typed error");

  await reloaded.logout();
  check((await reloaded.restore()) === null && store.get() === null, "logout forgets the session");
  store.set(signIn.session.token); // the revoked token is refused with a typed error
  await rejectsWith(api.call("get-wallet-balance", {}), "UNAUTHENTICATED", 401, "revoked session");
  steps.push("logout");
  return steps;
}
