"""Accounts: the numbers this service can act for, and their settings, configuration, username and PIN."""
from __future__ import annotations

import flask
from flask_smorest import abort

from signal_api.access.accounts import ListedAccounts, visible_accounts
from signal_api.access.scopes import scope
from signal_api.api.responses import empty
from signal_api.extensions import SignalBlueprint
from signal_api.errors.request import RequestError
from signal_api.schemas.accounts import (
    AccountConfigurationSchema,
    AccountSettingsSchema,
    RateLimitChallengeSchema,
    SetPinSchema,
    SetUsernameSchema,
    UsernameSchema,
)
from signal_api.services import get_services
from signal_api.errors.backend import BackendTimeoutError, BackendUnavailableError, SignalCliError

blp = SignalBlueprint("Accounts", __name__, description="List and manage accounts")


@blp.route("/v1/accounts", methods=["GET"])
@scope("admin", account=ListedAccounts())
@blp.response(200, {"type": "array", "items": {"type": "string"}})
@blp.alt_response(500, description="signal-cli could not list the accounts (the original's answer)")
def list_accounts():
    """List all accounts

    Lists all of the accounts linked or registered (with a token limited to some accounts: those).
    """
    try:
        return flask.jsonify(visible_accounts(get_services().backend.list_accounts()))
    except (BackendUnavailableError, BackendTimeoutError):
        raise  # 503 / 504 say more than the original's 500
    except SignalCliError as exc:
        abort(500, message=f"Couldn't get list of accounts: {exc.message}")


@blp.route("/v1/accounts/<number>/rate-limit-challenge", methods=["POST"])
@scope("admin")
@blp.arguments(RateLimitChallengeSchema)
@blp.response(204)
def submit_rate_limit_challenge(body, number):
    """Lift rate limit restrictions by solving a captcha.

    Take the challenge token from a 429 answer of a send and a captcha solved at
    https://signalcaptchas.org/challenge/generate.html.
    """
    params = {"challenge": body["challenge_token"], "captcha": body["captcha"]}
    get_services().backend.call("submitRateLimitChallenge", params, account=number)
    return None


@blp.route("/v1/accounts/<number>/settings", methods=["PUT"])
@scope("admin")
@blp.arguments(AccountSettingsSchema)
@blp.response(201)
def update_account_settings(body, number):
    """Update the account settings.

    Answers 201 like the original (its documentation says 204).
    """
    params = {}
    if "discoverable_by_number" in body:
        params["discoverableByNumber"] = body["discoverable_by_number"]
    if "share_number" in body:
        params["numberSharing"] = body["share_number"]
    get_services().backend.call("updateAccount", params, account=number)
    return empty(201)


# Request field -> signal-cli updateConfiguration param.
_CONFIGURATION_PARAMS = {
    "read_receipts": "readReceipts",
    "typing_indicators": "typingIndicators",
    "unidentified_delivery_indicators": "unidentifiedDeliveryIndicators",
    "link_previews": "linkPreviews",
}


@blp.route("/v1/accounts/<number>/configuration", methods=["PUT"])
@scope("manage")
@blp.arguments(AccountConfigurationSchema)
@blp.response(204)
def update_account_configuration(body, number):
    """Update the account's privacy configuration.

    signal-cli ``updateConfiguration`` (read receipts, typing indicators, sealed-sender
    indicators, link previews); only on the primary device. signal-cli 0.13.19 has no command to
    read these back, so there is no GET. Not in the original.
    """
    params = {param: body[name] for name, param in _CONFIGURATION_PARAMS.items() if name in body}
    get_services().backend.call("updateConfiguration", params, account=number)
    return None


@blp.route("/v1/accounts/<number>/username", methods=["POST"])
@scope("admin")
@blp.arguments(SetUsernameSchema)
@blp.response(201, UsernameSchema)
def set_username(body, number):
    """Set a username.

    Either just the nickname (e.g. ``test``) or the complete username with discriminator
    (e.g. ``test.123``). Returns the new username with discriminator and the username link.
    signal-cli's own error is returned when it fails (the original hid it).
    """
    result = get_services().backend.call("updateAccount", {"username": body.get("username", "")}, account=number)
    if not isinstance(result, dict) or not result.get("username"):
        raise RequestError("Couldn't process request - invalid signal-cli response")
    return {"username": result["username"], "username_link": result.get("usernameLink") or ""}


@blp.route("/v1/accounts/<number>/username", methods=["DELETE"])
@scope("admin")
@blp.response(204)
def remove_username(number):
    """Remove a username."""
    get_services().backend.call("updateAccount", {"deleteUsername": True}, account=number)
    return None


@blp.route("/v1/accounts/<number>/pin", methods=["POST"])
@scope("admin")
@blp.arguments(SetPinSchema)
@blp.response(201)
def set_pin(body, number):
    """Set Pin

    Sets the registration lock PIN: registering this number again then needs it.
    """
    get_services().backend.call("setPin", {"pin": body.get("pin", "")}, account=number)
    return empty(201)


@blp.route("/v1/accounts/<number>/pin", methods=["DELETE"])
@scope("admin")
@blp.response(204)
def remove_pin(number):
    """Remove Pin"""
    get_services().backend.call("removePin", account=number)
    return None
