"""Powertools' Function URL resolver and response types, imported without `event_handler/__init__.py` (see
`luckymart.lazy_package`): that file imports every resolver Powertools has and asyncio, for names we never use."""

from luckymart.lazy_package import defer_init

defer_init("aws_lambda_powertools.event_handler")

from aws_lambda_powertools.event_handler.api_gateway import CORSConfig, Response  # noqa: E402
from aws_lambda_powertools.event_handler.lambda_function_url import LambdaFunctionUrlResolver  # noqa: E402

__all__ = ["CORSConfig", "LambdaFunctionUrlResolver", "Response"]
