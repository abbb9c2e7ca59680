"""get-ticket-proof (public): RFC 6962 inclusion proofs (audit paths) of tickets against the entries root frozen at
sell-out, before and after the draw. The entries are public from sell-out, so the proofs are too."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import AliasChoices, BeforeValidator, Field

from luckymart import responses
from luckymart.api import Body, Call, Endpoint

MAX_TICKETS = 100


def _numbers(value: Any) -> Any:
    # GET query strings carry "1000001,1000002"; POST bodies a JSON array (or one number).
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return [value] if isinstance(value, int) else value


class ProofQuery(Body):
    lottery_id: UUID = Field(validation_alias=AliasChoices("lottery_id", "lotteryId"))
    ticket_numbers: Annotated[
        list[Annotated[int, Field(ge=1_000_001, le=9_999_999)]], BeforeValidator(_numbers)
    ] = Field(
        min_length=1,
        max_length=MAX_TICKETS,
        validation_alias=AliasChoices("ticket_numbers", "ticketNumbers", "ticket_number"),
    )


endpoint = Endpoint(
    "get-ticket-proof",
    body=ProofQuery,
    response=responses.TicketProofs,
    auth="none",
    read_only=True,
    summary="Public inclusion proofs (RFC 6962 audit paths) of up to 100 tickets (at most 4 blocks of 1,024) "
    "against the entries root frozen at sell-out",
)


@endpoint
def get_ticket_proof(call: Call[ProofQuery]) -> Any:
    return call.rpc(
        "get_ticket_proofs",
        {"p_lottery_id": call.body.lottery_id, "p_ticket_numbers": list(call.body.ticket_numbers)},
    )


handler = endpoint.handler
