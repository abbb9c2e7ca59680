"""Request field types shared by the wallet functions (deposits, withdrawals, payment methods)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, StringConstraints


def upper(value: Any) -> Any:
    """Upper-cases (and strips) strings; leaves other values for the type check to refuse."""
    return value.strip().upper() if isinstance(value, str) else value


# A payment method name such as ALIF_MOBI; which ones exist and are enabled is data (payment_configs).
PaymentMethod = Annotated[str, BeforeValidator(upper), StringConstraints(pattern=r"^[A-Z_]{2,32}$")]
PaymentKind = Annotated[Literal["DEPOSIT", "WITHDRAWAL"], BeforeValidator(upper)]
Currency = Annotated[Literal["TJS"], BeforeValidator(upper)]
WalletType = Annotated[Literal["BALANCE", "LUCKY_COIN", "BONUS"], BeforeValidator(upper)]
# Free text a user types (names, account numbers, references): bounded, never interpreted.
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
