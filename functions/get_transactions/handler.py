"""get-transactions: the caller's ledger, newest first, paginated, optionally for one wallet type. Each entry's
`description_i18n` says what it is in every language (its `description` is an operator's note, in English)."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from luckymart import player_texts, responses
from luckymart.api import Call, Endpoint, PageQuery, page_of
from luckymart.finance import WalletType


class TransactionsQuery(PageQuery):
    wallet_type: WalletType | None = Field(None, validation_alias=AliasChoices("wallet_type", "walletType"))


endpoint = Endpoint(
    "get-transactions",
    response=responses.LedgerEntry,
    body=TransactionsQuery,
    read_only=True,
    list_response=True,
    summary="The caller's wallet transactions, newest first (filter: wallet_type)",
)


@endpoint
def get_transactions(call: Call[TransactionsQuery]) -> Any:
    query = call.body
    rows = call.rpc(
        "get_transactions",
        {"p_wallet_type": query.wallet_type, "p_limit": query.limit, "p_offset": query.offset},
    )
    items = [
        {**entry, "description_i18n": player_texts.labels(player_texts.LEDGER_TYPES, entry.get("type"))}
        for entry in rows.get("items") or []
    ]
    return page_of({**rows, "items": items}, query)


handler = endpoint.handler
