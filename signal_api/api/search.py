"""Search: which phone numbers are registered with Signal."""
from __future__ import annotations

from signal_api.access.accounts import QueryNumber
from signal_api.access.scopes import scope
from signal_api.extensions import SignalBlueprint
from signal_api.errors.request import RequestError
from signal_api.schemas.search import SearchArgsSchema, SearchNumbersArgsSchema, SearchResultSchema
from signal_api.services import get_services
from signal_api.translate.identifiers import check_account_number, restore_plus

blp = SignalBlueprint("Search", __name__, description="Check whether numbers are on Signal")

NUMBERS_MISSING = "Please provide numbers to query for"


@blp.route("/v1/search/<number>", methods=["GET"])
@scope("manage")
@blp.arguments(SearchNumbersArgsSchema, location="query")
@blp.response(200, SearchResultSchema(many=True))
def search_with_account(args, number):
    """Check if one or more phone numbers are registered with the Signal Service.

    Pass each number as its own ``numbers`` query parameter.
    """
    return _search(number, _numbers(args))


@blp.route("/v1/search", methods=["GET"])
@scope("manage", account=QueryNumber())
@blp.arguments(SearchArgsSchema, location="query")
@blp.response(200, SearchResultSchema(many=True))
def search(args):
    """Check if one or more phone numbers are registered with the Signal Service.

    The account is the ``number`` query parameter, else the only registered account (the
    original sent an empty account in json-rpc mode and failed even then). With no account or
    several, signal-cli is asked without one and its own refusal is passed on, as the original does.
    """
    numbers = _numbers(args)
    if args.get("number"):
        return _search(check_account_number(restore_plus(args["number"]), "number"), numbers)
    accounts = get_services().backend.list_accounts()
    return _search(accounts[0] if len(accounts) == 1 else None, numbers)


def _numbers(args: dict) -> list[str]:
    numbers = [restore_plus(n) for n in args["numbers"] if n]
    if not numbers:
        raise RequestError(NUMBERS_MISSING)
    return numbers


def _search(account: str | None, numbers: list[str]) -> list[dict]:
    return get_services().backend.call("getUserStatus", {"recipient": numbers}, account=account) or []
