/**
 * How the Mini App's screens use the client (compiled by `npm run typecheck`, so it stays true to the API).
 * A wrong field name or body is a compile error here, not a blank screen in production.
 */
import { LuckyMartClient, LuckyMartError, type Schemas, type TokenStore } from "../src/index.js";

declare const localStorage: { getItem(key: string): string | null; setItem(k: string, v: string): void; removeItem(k: string): void };

const browserStore: TokenStore = {
  get: () => localStorage.getItem("luckymart.session"),
  set: (token) => (token ? localStorage.setItem("luckymart.session", token) : localStorage.removeItem("luckymart.session")),
};

export async function startApp(initData: string, startParam?: string): Promise<Schemas["User"]> {
  const api = new LuckyMartClient({ url: "https://api.example.tj", anonKey: "<anon key>", store: browserStore });
  const restored = await api.restore(); // no sign-in on every page load
  const user = restored ? restored.user : (await api.signIn(initData, startParam)).user;

  const { wallets, first_deposit_bonus } = await api.call("get-wallet-balance", {});
  const balance = wallets.find((w) => w.type === "BALANCE")?.balance ?? 0;
  console.log(`balance ${balance}, bonus ${first_deposit_bonus.status}`);

  const { items: prizes, page } = await api.list("get-my-prizes", { limit: 20, offset: 0 });
  console.log(`${page.total} prizes; first: ${prizes[0]?.prize_name ?? "none"}`);
  return user;
}

export async function buy(api: LuckyMartClient, lotteryId: string, quantity: number): Promise<number[] | null> {
  const tapKey = globalThis.crypto.randomUUID(); // one key per tap: a double tap is a replay, not a 2nd payment
  try {
    const result = await api.call(
      "lottery-purchase",
      { lottery_id: lotteryId, quantity, payment_method: "BALANCE" },
      { idempotencyKey: tapKey },
    );
    return result.ticket_numbers;
  } catch (error) {
    if (error instanceof LuckyMartError && error.code === "INSUFFICIENT_BALANCE") return null;
    throw error;
  }
}
