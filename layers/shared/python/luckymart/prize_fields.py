"""Request fields shared by the prize, resale-market and showoff functions, with the old frontend's names
accepted as aliases (SPEC §4)."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import AliasChoices, Field

from luckymart.api import Body

# Resale money stays in the wallet type it was paid with: BONUS cannot buy on the market.
ResalePaymentMethod = Literal["BALANCE", "LUCKY_COIN"]


class PrizeRef(Body):
    prize_id: UUID = Field(validation_alias=AliasChoices("prize_id", "prizeId"))


class ResaleRef(Body):
    resale_id: UUID = Field(
        validation_alias=AliasChoices("resale_id", "resale_item_id", "resaleId", "resaleItemId")
    )
