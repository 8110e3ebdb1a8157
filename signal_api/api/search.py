"""Search: which phone numbers are registered with Signal."""
from __future__ import annotations

from signal_api.extensions import SignalBlueprint
from signal_api.problems import RequestError
from signal_api.schemas.search import SearchArgsSchema, SearchNumbersArgsSchema, SearchResultSchema
from signal_api.services import get_services

blp = SignalBlueprint("Search", __name__, description="Check whether numbers are on Signal")

NUMBERS_MISSING = "Please provide numbers to query for"


@blp.route("/v1/search/<number>", methods=["GET"])
@blp.arguments(SearchNumbersArgsSchema, location="query")
@blp.response(200, SearchResultSchema(many=True))
def search_with_account(args, number):
    """Check if one or more phone numbers are registered with the Signal Service.

    Pass each number as its own ``numbers`` query parameter.
    """
    return _search(number, _numbers(args))


@blp.route("/v1/search", methods=["GET"])
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchResultSchema(many=True))
def search(args):
    """Check if one or more phone numbers are registered with the Signal Service.

    The account is the ``number`` query parameter, else the only registered account (the
    original sent an empty account and failed).
    """
    numbers = _numbers(args)
    if args.get("number"):
        return _search(_plus(args["number"]), numbers)
    accounts = get_services().backend.list_accounts()
    if len(accounts) != 1:
        raise RequestError(
            "Couldn't process request - please give the account to search with in the 'number' query "
            f"parameter or use /v1/search/{{number}}: {len(accounts)} accounts are registered"
        )
    return _search(accounts[0], numbers)


def _plus(value: str) -> str:
    # An unencoded "+" in a query string arrives as a space.
    return "+" + value[1:] if value.startswith(" ") else value


def _numbers(args: dict) -> list[str]:
    numbers = [_plus(n) for n in args["numbers"] if n]
    if not numbers:
        raise RequestError(NUMBERS_MISSING)
    return numbers


def _search(account: str, numbers: list[str]) -> list[dict]:
    return get_services().backend.call("getUserStatus", {"recipient": numbers}, account=account) or []
