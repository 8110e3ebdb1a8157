"""Devices: registering, verifying and unregistering numbers."""
from __future__ import annotations

from flask_smorest import abort

from signal_api.api.responses import empty
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.devices import RegisterNumberSchema, UnregisterNumberSchema, VerifyNumberSchema
from signal_api.services import get_services
from signal_api.signalcli.errors import SignalCliError

blp = SignalBlueprint("Devices", __name__, description="Register and link devices")

SMS_REFUSED = "StatusCode: 400 (InvalidTransportModeException)"
SMS_REFUSED_HINT = (
    "Couldn't use SMS verification to register the specified number. "
    'Wait 60 seconds and try again with {"use_voice": true}'
)


@blp.route("/v1/register/<number>", methods=["POST"])
@blp.arguments(RegisterNumberSchema)
@blp.response(201)
def register_number(body, number):
    """Register a phone number."""
    params = {}
    if body.get("use_voice"):
        params["voice"] = True
    if body.get("captcha"):
        params["captcha"] = body["captcha"]
    try:
        get_services().backend.call("register", params, account=number)
    except SignalCliError as exc:
        if SMS_REFUSED in exc.message and not body.get("use_voice"):
            abort(400, message=SMS_REFUSED_HINT)
        raise
    return empty(201)


@blp.route("/v1/register/<number>/verify/<token>", methods=["POST"])
@blp.arguments(VerifyNumberSchema)
@blp.response(201)
def verify_number(body, number, token):
    """Verify a registered phone number."""
    if not token.strip():
        abort(400, message="Please provide a verification code")
    params = {"verificationCode": token}
    if body.get("pin"):
        params["pin"] = body["pin"]
    get_services().backend.call("verify", params, account=number)
    return empty(201)


@blp.route("/v1/unregister/<number>", methods=["POST"])
@blp.arguments(UnregisterNumberSchema)
@blp.response(204)
def unregister_number(body, number):
    """Unregister a phone number."""
    backend = get_services().backend
    first_error = None
    try:
        backend.call("unregister", {"deleteAccount": True} if body.get("delete_account") else {}, account=number)
    except SignalCliError as exc:
        first_error = exc
    if body.get("delete_local_data"):
        try:
            backend.call("deleteLocalAccountData", {}, account=number)
        except SignalCliError as exc:
            if first_error is None:
                raise
            first_error.message = f"{first_error.message} ({exc.message})"
    if first_error is not None:
        raise first_error
    return None
