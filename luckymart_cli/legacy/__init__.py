"""`luckymart-admin migrate-legacy`: the cutover from the previous LuckyMart database (docs/cutover.md).

An operator tool, not a user request: it writes straight into the target database with psycopg, set-based per
batch, through our constraints and the one ledger (an opening row per old wallet, freezes and refunds through
private.wallet_apply)."""
