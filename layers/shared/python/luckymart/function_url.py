"""Powertools' Function URL resolver and response types, imported without `event_handler/__init__.py` (see
`luckymart.lazy_package`): that file imports every resolver Powertools has and asyncio, for names we never use."""

from typing import Any

from luckymart.lazy_package import defer_init

defer_init("aws_lambda_powertools.event_handler")

from aws_lambda_powertools.event_handler.api_gateway import BaseProxyEvent, CORSConfig, Response  # noqa: E402
from aws_lambda_powertools.event_handler.lambda_function_url import (  # noqa: E402
    LambdaFunctionUrlResolver as _PowertoolsResolver,
)

__all__ = ["CORSConfig", "LambdaFunctionUrlResolver", "Response"]


class LambdaFunctionUrlResolver(_PowertoolsResolver):
    """Powertools' resolver, but the request being resolved is kept on this resolver instead of on Powertools'
    `BaseRouter` class, which every resolver of the process shares. Lambda runs one request per process, so that
    is harmless there; the local gateway and the soak run many at once (one resolver per thread), and with the
    shared attribute one request could read another's body, headers or session, or echo its CORS origin."""

    def _to_proxy_event(self, event: dict[str, Any]) -> BaseProxyEvent:
        proxy = super()._to_proxy_event(event)
        self.__dict__["current_event"] = proxy  # read back as self.current_event by every resolver method
        return proxy
