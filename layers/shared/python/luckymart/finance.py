"""Request field types shared by the wallet functions (deposits, withdrawals, payment methods)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, StringConstraints


def _upper(value: Any) -> Any:
    return value.strip().upper() if isinstance(value, str) else value


# A payment method name such as ALIF_MOBI; which ones exist and are enabled is data (payment_configs).
PaymentMethod = Annotated[str, BeforeValidator(_upper), StringConstraints(pattern=r"^[A-Z_]{2,32}$")]
PaymentKind = Annotated[Literal["DEPOSIT", "WITHDRAWAL"], BeforeValidator(_upper)]
Currency = Annotated[Literal["TJS"], BeforeValidator(_upper)]
WalletType = Annotated[Literal["BALANCE", "LUCKY_COIN", "BONUS"], BeforeValidator(_upper)]
# Free text a user types (names, account numbers, references): bounded, never interpreted.
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
