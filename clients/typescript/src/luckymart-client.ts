/**
 * A small typed client for the LuckyMart user functions. Every request and response type comes from
 * `api-types.ts`, which `make openapi` generates from the backend's openapi.json: nothing here names a field.
 *
 * What it does for the app: keeps the session token (and restores it with `validate-session`), sends it in the
 * `X-Session-Token` header (never in a URL), sends an `Idempotency-Key` on every POST (money-moving functions
 * require one), retries a call that met a network error or `503 UNAVAILABLE` with the SAME key (so a purchase is
 * never paid twice), unwraps the `{success, data}` envelope and throws `LuckyMartError` with the stable error codes
 * of the API. It runs in browsers (the Mini App) and in Node.js 20+.
 */
import type { components, paths } from "./api-types.js";

type FunctionPath = Extract<keyof paths, `/functions/v1/${string}`>;
/** Every user function, e.g. "lottery-purchase". */
export type FunctionName = FunctionPath extends `/functions/v1/${infer Name}` ? Name : never;
type Operation<N extends FunctionName> = paths[`/functions/v1/${N}`]["post"];
type Success<N extends FunctionName> = Operation<N>["responses"][200]["content"]["application/json"];

/** The request body of function N. */
export type RequestOf<N extends FunctionName> =
  Operation<N> extends { requestBody?: { content: { "application/json": infer Body } } } ? Body : never;
/** What function N answers in the envelope's `data`. */
export type DataOf<N extends FunctionName> = Success<N>["data"];
/** The functions that answer a page: `data` is a list and the envelope adds `page`. */
export type ListFunctionName = {
  [N in FunctionName]: Success<N> extends { page: unknown } ? N : never;
}[FunctionName];
export type PageInfo = components["schemas"]["PageInfo"];
export type Schemas = components["schemas"];

/** The stable error codes of the API (SPEC §4); `code` may also be a newer one this client does not know. */
export type ErrorCode =
  | "VALIDATION_ERROR"
  | "UNAUTHENTICATED"
  | "SESSION_EXPIRED"
  | "FORBIDDEN"
  | "NOT_FOUND"
  | "INSUFFICIENT_BALANCE"
  | "SOLD_OUT"
  | "LIMIT_EXCEEDED"
  | "ALREADY_PROCESSED"
  | "IDEMPOTENCY_KEY_REUSED"
  | "LOTTERY_NOT_ACTIVE"
  | "RATE_LIMITED"
  | "IDEMPOTENCY_KEY_REQUIRED"
  | "UNAVAILABLE"
  | "NOT_CONFIGURED"
  | "INTERNAL"
  | "NETWORK";

export class LuckyMartError extends Error {
  constructor(
    readonly code: ErrorCode | (string & {}),
    message: string,
    readonly status: number,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "LuckyMartError";
  }
}

/** Where the session token lives between page loads (window.localStorage in the Mini App). */
export interface TokenStore {
  get(): string | null;
  set(token: string | null): void;
}

export function memoryStore(initial: string | null = null): TokenStore {
  let token = initial;
  return { get: () => token, set: (value) => void (token = value) };
}

/** A TokenStore in Web Storage (e.g. `window.localStorage`), so a reopened Mini App restores its session. */
export function webStorageStore(storage: Pick<Storage, "getItem" | "setItem" | "removeItem">, key = "luckymart.session"): TokenStore {
  return {
    get: () => storage.getItem(key),
    set: (token) => (token ? storage.setItem(key, token) : storage.removeItem(key)),
  };
}

export interface ClientOptions {
  /** The API domain, e.g. https://api.luckymart.tj (the front door) or http://127.0.0.1:54321 (make dev). */
  url: string;
  /** The Supabase anon key: sent as `apikey` like supabase-js does; it grants nothing by itself. */
  anonKey: string;
  store?: TokenStore;
  /** Defaults to the global `fetch` (a browser's, or Node's). */
  fetch?: typeof fetch;
  /** Retries per call after a network error or `503 UNAVAILABLE`, always with the same Idempotency-Key. */
  retries?: number;
  /** The longest wait between two attempts, in ms (a 503's `Retry-After` is honoured up to this). */
  maxRetryDelayMs?: number;
}

export interface CallOptions {
  /** Reuse a key to make a repeated user action (a double tap) a replay instead of a second payment. */
  idempotencyKey?: string;
  signal?: AbortSignal;
}

export interface PageOf<N extends ListFunctionName> {
  items: DataOf<N>;
  page: PageInfo;
}

type Envelope = {
  success: boolean;
  data?: unknown;
  page?: PageInfo;
  error?: { code: string; message: string; details?: unknown };
};

export class LuckyMartClient {
  private readonly base: string;
  private readonly store: TokenStore;
  private readonly fetcher: typeof fetch;
  private readonly retries: number;
  private readonly maxRetryDelayMs: number;

  constructor(private readonly options: ClientOptions) {
    this.base = options.url.replace(/\/+$/, "");
    this.store = options.store ?? memoryStore();
    // Never keep the browser's fetch as a method of this object: called as `this.fetcher(...)` its `this` would be
    // the client, and browsers refuse that ("Illegal invocation"). The wrapper calls it as a plain function.
    const given = options.fetch;
    this.fetcher = given ? (input, init) => given(input, init) : (input, init) => globalThis.fetch(input, init);
    this.retries = options.retries ?? 2;
    this.maxRetryDelayMs = options.maxRetryDelayMs ?? 5000;
  }

  get signedIn(): boolean {
    return this.store.get() !== null;
  }

  /** Signs in with Telegram's `WebApp.initData` (and the `startapp` referral parameter) and keeps the session. */
  async signIn(initData: string, startParam?: string): Promise<DataOf<"auth-telegram">> {
    const body = { initData, ...(startParam ? { startParam } : {}) } as RequestOf<"auth-telegram">;
    const data = await this.call("auth-telegram", body);
    this.store.set(data.session.token);
    return data;
  }

  /** The stored session's user, or null (and the token forgotten) when it expired or was revoked. */
  async restore(): Promise<DataOf<"validate-session"> | null> {
    if (!this.signedIn) return null;
    try {
      return await this.call("validate-session", {});
    } catch (error) {
      if (error instanceof LuckyMartError && error.status === 401) {
        this.store.set(null);
        return null;
      }
      throw error;
    }
  }

  async logout(): Promise<void> {
    try {
      await this.call("logout", {});
    } finally {
      this.store.set(null);
    }
  }

  /** Calls function N and returns its `data`. */
  async call<N extends FunctionName>(name: N, body?: RequestOf<N>, options: CallOptions = {}): Promise<DataOf<N>> {
    return (await this.request(name, body, options)).data as DataOf<N>;
  }

  /** Calls a list function: its items and `page: {limit, offset, total}`. */
  async list<N extends ListFunctionName>(name: N, body?: RequestOf<N>, options: CallOptions = {}): Promise<PageOf<N>> {
    const envelope = await this.request(name, body, options);
    return { items: envelope.data as DataOf<N>, page: envelope.page as PageInfo };
  }

  private async request(name: FunctionName, body: unknown, options: CallOptions): Promise<Envelope> {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      apikey: this.options.anonKey,
      authorization: `Bearer ${this.options.anonKey}`,
      "idempotency-key": options.idempotencyKey ?? randomKey(),
    };
    const token = this.store.get();
    if (token) headers["x-session-token"] = token;
    const init: RequestInit = { method: "POST", headers, body: JSON.stringify(body ?? {}), signal: options.signal };

    // One key for every attempt: a retry after a lost answer or a 503 is a replay, never a second payment.
    let response: Response | undefined;
    for (let attempt = 0; ; attempt++) {
      try {
        response = await this.fetcher(`${this.base}/functions/v1/${name}`, init);
      } catch (error) {
        if (attempt >= this.retries || options.signal?.aborted) {
          throw new LuckyMartError("NETWORK", `could not reach ${name}: ${String(error)}`, 0);
        }
        await sleep(this.retryDelay(attempt, null));
        continue;
      }
      if (response.status !== 503 || attempt >= this.retries || options.signal?.aborted) break;
      const wait = this.retryDelay(attempt, response.headers.get("retry-after"));
      await response.body?.cancel();
      await sleep(wait);
    }
    let envelope: Envelope;
    try {
      envelope = (await response.json()) as Envelope;
    } catch {
      throw new LuckyMartError("INTERNAL", `${name} answered ${response.status} without a JSON body`, response.status);
    }
    if (!response.ok || !envelope.success) {
      const error = envelope.error ?? { code: "INTERNAL", message: `HTTP ${response.status}` };
      throw new LuckyMartError(error.code, error.message, response.status, error.details);
    }
    return envelope;
  }

  private retryDelay(attempt: number, retryAfter: string | null): number {
    const seconds = Number(retryAfter);
    const wanted = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 250 * 2 ** attempt;
    return Math.min(wanted, this.maxRetryDelayMs);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function randomKey(): string {
  return globalThis.crypto.randomUUID();
}
