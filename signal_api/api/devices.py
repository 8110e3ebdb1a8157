"""Devices: registering, verifying and unregistering numbers, linking and linked devices."""
from __future__ import annotations

import flask
from flask_smorest import abort

from signal_api.access.accounts import EveryAccount
from signal_api.access.scopes import scope
from signal_api.api.responses import empty
from signal_api.extensions import SignalBlueprint
from signal_api.errors.request import RequestError
from signal_api.qrpng import QrCodeError, check_version, qr_png
from signal_api.schemas.common import go_int_text
from signal_api.schemas.devices import (
    AddDeviceSchema,
    DeleteLocalDataSchema,
    DeviceLinkArgsSchema,
    DeviceLinkUriSchema,
    DeviceSchema,
    QrCodeLinkArgsSchema,
    RegisterNumberSchema,
    UnregisterNumberSchema,
    VerifyNumberSchema,
)
from signal_api.services import get_services
from signal_api.errors.backend import BackendTimeoutError, BackendUnavailableError, SignalCliError

blp = SignalBlueprint("Devices", __name__, description="Register and link devices")

SMS_REFUSED = "StatusCode: 400 (InvalidTransportModeException)"
SMS_REFUSED_HINT = (
    "Couldn't use SMS verification to register the specified number. "
    'Wait 60 seconds and try again with {"use_voice": true}'
)


@blp.route("/v1/register/<number>", methods=["POST"])
@scope("admin")
@blp.arguments(RegisterNumberSchema)
@blp.response(201)
@blp.opens_account
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
@scope("admin")
@blp.arguments(VerifyNumberSchema)
@blp.response(201)
@blp.opens_account
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
@scope("admin")
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


@blp.route("/v1/devices/<number>/local-data", methods=["DELETE"])
@scope("admin")
@blp.arguments(DeleteLocalDataSchema)
@blp.response(204)
@blp.opens_account
def delete_local_account_data(body, number):
    """Delete local account data"""
    params = {"ignoreRegistered": True} if body.get("ignore_registered") else {}
    get_services().backend.call("deleteLocalAccountData", params, account=number)
    return None


DEFAULT_QRCODE_VERSION = "10"


def _device_name(args: dict) -> str:
    name = args.get("device_name") or ""
    if not name:
        raise RequestError("Please provide a name for the device")
    return name


def _start_link(device_name: str) -> str:
    try:
        return get_services().backend.start_link(device_name)
    except (BackendUnavailableError, BackendTimeoutError):
        raise
    except SignalCliError as exc:
        raise RequestError(f"Couldn't create link URI: {exc.message}") from exc


@blp.route("/v1/qrcodelink", methods=["GET"])
@scope("admin", account=EveryAccount())
@blp.arguments(QrCodeLinkArgsSchema, location="query")
@blp.response(200, {"type": "string", "format": "binary"}, content_type="image/png")
def link_device_qr_code(args):
    """Link device and generate QR code.

    Starts linking this service as a new device and answers the link URI as a 256×256 PNG QR
    code (error correction H, version ``qrcode_version``). Scan it with the primary phone; the
    new account then appears in ``GET /v1/accounts``.
    """
    device_name = _device_name(args)
    version = go_int_text(args.get("qrcode_version", DEFAULT_QRCODE_VERSION))
    if version is None:
        raise RequestError("The qrcode_version parameter needs to be an integer!")
    try:
        # Checked before linking starts, so a bad version leaves no link waiting.
        check_version(version)
        png = qr_png(_start_link(device_name), version)
    except QrCodeError as exc:
        raise RequestError(f"Couldn't create QR code: {exc}") from exc
    return flask.Response(png, status=200, mimetype="image/png")


@blp.route("/v1/qrcodelink/raw", methods=["GET"])
@scope("admin", account=EveryAccount())
@blp.arguments(DeviceLinkArgsSchema, location="query")
@blp.response(200, DeviceLinkUriSchema)
def link_device_raw(args):
    """Get raw device link URI

    Starts linking like ``/v1/qrcodelink`` and answers the URI itself (to render it yourself).
    """
    return {"device_link_uri": _start_link(_device_name(args))}


@blp.route("/v1/devices/<number>", methods=["GET"])
@scope("admin")
@blp.response(200, DeviceSchema(many=True))
def list_devices(number):
    """List linked devices."""
    devices = get_services().backend.call("listDevices", account=number) or []
    return [
        {
            "id": device.get("id"),
            "name": device.get("name"),
            "last_seen_timestamp": device.get("lastSeenTimestamp"),
            "creation_timestamp": device.get("createdTimestamp"),
        }
        for device in devices
        if isinstance(device, dict)
    ]


@blp.route("/v1/devices/<number>", methods=["POST"])
@scope("admin")
@blp.arguments(AddDeviceSchema)
@blp.response(204)
def add_device(body, number):
    """Links another device to this device.

    Only works if this is the primary device.
    """
    get_services().backend.call("addDevice", {"uri": body.get("uri", "")}, account=number)
    return None


@blp.route("/v1/devices/<number>/<deviceId>", methods=["DELETE"])
@scope("admin")
@blp.response(204)
def remove_device(number, deviceId):  # noqa: N803 - the original's path parameter name
    """Remove linked device"""
    device_id = go_int_text(deviceId)
    if device_id is None:
        raise RequestError("deviceId must be numeric")
    get_services().backend.call("removeDevice", {"deviceId": device_id}, account=number)
    return None
