"""Accounts: the numbers this service can act for."""
from __future__ import annotations

import flask
from flask_smorest import abort

from signal_api.extensions import SignalBlueprint
from signal_api.services import get_services
from signal_api.signalcli.errors import SignalCliError

blp = SignalBlueprint("Accounts", __name__, description="List and manage accounts")


@blp.route("/v1/accounts", methods=["GET"])
@blp.response(200, {"type": "array", "items": {"type": "string"}})
def list_accounts():
    """Lists all of the accounts linked or registered"""
    try:
        return flask.jsonify(get_services().backend.list_accounts())
    except SignalCliError as exc:
        abort(500, message=f"Couldn't get list of accounts: {exc.message}")
