// The old frontend's calls (reportyao/luckymart-tj-frontend at 2dd3b65), made exactly as it makes them, with the
// same @supabase/supabase-js it locks (2.86.0): functions.invoke with the anon key in Authorization (supabase-js
// sets it) and session_token in the body, and anon-key table reads with select('*').
// Driven by tests/e2e/test_supabase_js.py: reads its input as JSON from argv[2], prints one JSON result per call.
// Node 20 has no global WebSocket for supabase-js' realtime client, so it runs with `node --experimental-websocket`
// (2.86.0 only needs it once realtime connects; newer releases check at construction).
import { createClient } from '@supabase/supabase-js';

const input = JSON.parse(process.argv[2]);
const supabase = createClient(input.url, input.anonKey);
const results = [];

async function invoke(label, name, options) {
  const { data, error } = await supabase.functions.invoke(name, options);
  const status = error?.context?.status ?? 200;
  const body = error?.context ? await error.context.json().catch(() => null) : data;
  results.push({ label, status, ok: !error && data?.success === true, body });
  return body;
}

async function table(label, query, check) {
  const { data, error } = await query;
  results.push({ label, status: error ? error.code : 200, ok: !error && check(data), body: error ?? data });
  return data;
}

// src/lib/supabase.ts authService.authenticateWithTelegram
const auth = await invoke('auth-telegram', 'auth-telegram', { body: { initData: input.initData, startParam: undefined } });
const sessionToken = auth?.data?.session?.token;

// src/lib/supabase.ts lotteryService: getAllLotteries, getLotteriesByStatus / getActiveLotteries, getLotteryDetails
await table('lotteries all', supabase.from('lotteries').select('*').order('start_time', { ascending: true }),
  (rows) => rows.length >= 2);
await table('lotteries ACTIVE', supabase.from('lotteries').select('*').in('status', ['ACTIVE'])
  .order('start_time', { ascending: true }), (rows) => rows.length >= 1 && rows.every((r) => r.status === 'ACTIVE'));
await table('lottery by id', supabase.from('lotteries').select('*').eq('id', input.lotteryId).single(),
  (row) => row.id === input.lotteryId);
// src/lib/supabase.ts showoffService.getApprovedShowoffs
await table('showoffs APPROVED', supabase.from('showoffs').select('*').eq('status', 'APPROVED')
  .order('created_at', { ascending: false }), (rows) => Array.isArray(rows));

// the catalogue functions this backend adds for it
await invoke('list-lotteries', 'list-lotteries', { body: { status: 'ACTIVE', session_token: sessionToken } });
await invoke('get-lottery', 'get-lottery', { body: { lottery_id: input.lotteryId, session_token: sessionToken } });

// src/pages/DepositPage.tsx, MarketPage.tsx, MyPrizesPage.tsx, src/lib/supabase.ts (exchange, referral stats)
await invoke('get-payment-config', 'get-payment-config', { body: { type: 'DEPOSIT' } });
await invoke('exchange-balance', 'exchange-balance', { body: { session_token: sessionToken, amount: 5 } });
// the same call migrated as docs/frontend.md says: one Idempotency-Key per user action
await invoke('exchange-balance + key', 'exchange-balance', {
  body: { session_token: sessionToken, amount: 5 }, headers: { 'Idempotency-Key': crypto.randomUUID() },
});
await invoke('get-user-referral-stats', 'get-user-referral-stats', { body: { session_token: sessionToken } });
await invoke('list-resale-items', 'list-resale-items', { body: { status: 'ACTIVE', limit: 50, sortBy: 'latest' } });
await invoke('get-my-prizes', 'get-my-prizes', { body: { session_token: sessionToken } });

// src/pages/WithdrawPage.tsx handleSubmit, its default method
const withdrawal = {
  session_token: sessionToken, amount: 20, currency: 'TJS', withdrawalMethod: 'BANK_TRANSFER',
  bankName: 'Amonatbonk', bankAccountNumber: '20202972100000001', bankAccountName: 'Test User',
  bankBranch: 'Dushanbe', mobileWalletNumber: null, mobileWalletName: null,
  idCardNumber: 'A1234567', idCardName: 'Test User', phoneNumber: '+992900000001',
};
await invoke('withdraw-request', 'withdraw-request', { body: withdrawal });
await invoke('withdraw-request + key', 'withdraw-request', {
  body: withdrawal, headers: { 'Idempotency-Key': crypto.randomUUID() },
});

// src/lib/supabase.ts activateFirstDepositBonus: invoked with no body, so no session reaches the backend
await invoke('activate-first-deposit-bonus', 'activate-first-deposit-bonus');

console.log(JSON.stringify(results));
