"""get-transactions: the caller's ledger, newest first, paginated, optionally for one wallet type."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field

from luckymart import responses
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
    return page_of(rows, query)


handler = endpoint.handler
