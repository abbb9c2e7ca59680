"""auth-telegram: exchanges verified Telegram initData for a LuckyMart session (token returned once)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from luckymart import responses
from luckymart.api import Body, Call, Endpoint
from luckymart.config import secret, settings
from luckymart.sessions import hash_token, new_token
from luckymart.telegram import verify_init_data


class AuthTelegramBody(Body):
    init_data: str = Field(alias="initData", min_length=1, max_length=8192)
    start_param: str | None = Field(None, alias="startParam", max_length=64)


endpoint = Endpoint(
    "auth-telegram",
    response=responses.SignIn,
    body=AuthTelegramBody,
    auth="none",
    secrets=("telegram_bot_token", "referral_code_key"),
    summary="Sign in with Telegram Mini App initData; returns user, wallets and a new session",
)


@endpoint
def auth_telegram(call: Call[AuthTelegramBody]) -> Any:
    verified = verify_init_data(
        call.body.init_data, secret("telegram_bot_token"), settings().init_data_max_age_seconds
    )
    token = new_token()
    # startParam may also arrive inside initData (start_param) when the app is opened from a ref link.
    start_param = call.body.start_param or verified.get("start_param")
    result = call.rpc(
        "auth_telegram",
        {
            "p_telegram_user": verified["user"],
            "p_start_param": start_param,
            "p_token_hash": hash_token(token),
            "p_ip_address": call.source_ip,
            "p_user_agent": call.user_agent,
            "p_referral_key": secret("referral_code_key"),  # keys the permutation behind new referral codes
        },
    )
    result["session"]["token"] = token
    return result


handler = endpoint.handler
