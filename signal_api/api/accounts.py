"""Accounts: the numbers this service can act for, and their settings, username and PIN."""
from __future__ import annotations

import flask
from flask_smorest import abort

from signal_api.api.responses import empty
from signal_api.extensions import SignalBlueprint
from signal_api.problems import RequestError
from signal_api.schemas.accounts import (
    AccountSettingsSchema,
    RateLimitChallengeSchema,
    SetPinSchema,
    SetUsernameSchema,
    UsernameSchema,
)
from signal_api.services import get_services
from signal_api.signalcli.errors import BackendTimeoutError, BackendUnavailableError, SignalCliError

blp = SignalBlueprint("Accounts", __name__, description="List and manage accounts")


@blp.route("/v1/accounts", methods=["GET"])
@blp.response(200, {"type": "array", "items": {"type": "string"}})
@blp.alt_response(500, description="signal-cli could not list the accounts (the original's answer)")
def list_accounts():
    """List all accounts

    Lists all of the accounts linked or registered.
    """
    try:
        return flask.jsonify(get_services().backend.list_accounts())
    except (BackendUnavailableError, BackendTimeoutError):
        raise  # 503 / 504 say more than the original's 500
    except SignalCliError as exc:
        abort(500, message=f"Couldn't get list of accounts: {exc.message}")


@blp.route("/v1/accounts/<number>/rate-limit-challenge", methods=["POST"])
@blp.arguments(RateLimitChallengeSchema)
@blp.response(204)
def submit_rate_limit_challenge(body, number):
    """Lift rate limit restrictions by solving a captcha.

    Take the challenge token from a 429 answer of a send and a captcha solved at
    https://signalcaptchas.org/challenge/generate.html.
    """
    if not body.get("challenge_token"):
        raise RequestError("Couldn't process request - challenge token missing")
    if not body.get("captcha"):
        raise RequestError("Couldn't process request - captcha missing")
    params = {"challenge": body["challenge_token"], "captcha": body["captcha"]}
    get_services().backend.call("submitRateLimitChallenge", params, account=number)
    return None


@blp.route("/v1/accounts/<number>/settings", methods=["PUT"])
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


@blp.route("/v1/accounts/<number>/username", methods=["POST"])
@blp.arguments(SetUsernameSchema)
@blp.response(201, UsernameSchema)
def set_username(body, number):
    """Set a username.

    Either just the nickname (e.g. ``test``) or the complete username with discriminator
    (e.g. ``test.123``). Returns the new username with discriminator and the username link.
    signal-cli's own error is returned when it fails (the original hid it).
    """
    result = get_services().backend.call("updateAccount", {"username": body["username"]}, account=number)
    if not isinstance(result, dict) or not result.get("username"):
        raise RequestError("Couldn't process request - invalid signal-cli response")
    return {"username": result["username"], "username_link": result.get("usernameLink") or ""}


@blp.route("/v1/accounts/<number>/username", methods=["DELETE"])
@blp.response(204)
def remove_username(number):
    """Remove a username."""
    get_services().backend.call("updateAccount", {"deleteUsername": True}, account=number)
    return None


@blp.route("/v1/accounts/<number>/pin", methods=["POST"])
@blp.arguments(SetPinSchema)
@blp.response(201)
def set_pin(body, number):
    """Set Pin

    Sets the registration lock PIN: registering this number again then needs it.
    """
    get_services().backend.call("setPin", {"pin": body["pin"]}, account=number)
    return empty(201)


@blp.route("/v1/accounts/<number>/pin", methods=["DELETE"])
@blp.response(204)
def remove_pin(number):
    """Remove Pin"""
    get_services().backend.call("removePin", account=number)
    return None
