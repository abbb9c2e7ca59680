"""get-my-orders: the caller's orders with their ticket numbers, newest first."""

from __future__ import annotations

from typing import Any, Literal

from luckymart import responses
from luckymart.api import Call, Endpoint, PageQuery, page_of


class OrdersQuery(PageQuery):
    status: Literal["PENDING", "PAID", "CANCELLED", "REFUNDED", "EXPIRED"] | None = None


endpoint = Endpoint(
    "get-my-orders",
    response=responses.MyOrder,
    body=OrdersQuery,
    read_only=True,
    list_response=True,
    summary="The caller's orders (lottery, amount, wallet, status, ticket numbers), paginated",
)


@endpoint
def get_my_orders(call: Call[OrdersQuery]) -> Any:
    rows = call.rpc(
        "get_my_orders", {"p_status": call.body.status, "p_limit": call.body.limit, "p_offset": call.body.offset}
    )
    return page_of(rows, call.body)


handler = endpoint.handler
