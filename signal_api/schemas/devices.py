"""Schemas of registration, linking and devices."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import BodyRule, GoString, JsonBoolean, JsonString, OptionalBody, RequestBody


class RegisterNumberSchema(OptionalBody):
    """Optional settings of a registration (no body: the defaults)."""

    use_voice = JsonBoolean(metadata={"description": "Verify by voice call instead of SMS"})
    captcha = JsonString(metadata={"description": "signalcaptcha://... token"})


class VerifyNumberSchema(OptionalBody):
    """Optional settings of a verification (no body: none)."""

    pin = JsonString(metadata={"description": "Registration lock PIN"})


class UnregisterNumberSchema(OptionalBody):
    """What to delete besides the registration (no body: nothing)."""

    delete_account = JsonBoolean(metadata={"description": "Delete the account on the Signal server"})
    delete_local_data = JsonBoolean(metadata={"description": "Delete the local signal-cli data"})


class DeleteLocalDataSchema(RequestBody):
    """Options of deleting an account's local data (read only when the request announces a body)."""

    body_rule = BodyRule.OPTIONAL_WITHOUT_LENGTH

    ignore_registered = JsonBoolean(metadata={"description": "Delete even if the account is still registered"})


class AddDeviceSchema(RequestBody):
    """The device to link to this (primary) account; signal-cli judges the URI."""

    uri = JsonString(metadata={"description": "sgnl://linkdevice?uuid=...&pub_key=... from the new device's QR code"})


class QrCodeLinkArgsSchema(Schema):
    """Query of ``/v1/qrcodelink``; checked in the view for the original's error texts."""

    device_name = fields.String(metadata={"description": "Device Name"})
    qrcode_version = fields.String(metadata={"description": "QRCode Version (defaults to 10)", "type": "integer"})


class DeviceLinkArgsSchema(Schema):
    """Query of ``/v1/qrcodelink/raw``."""

    device_name = fields.String(metadata={"description": "Device Name"})


class DeviceLinkUriSchema(Schema):
    """A device link URI to show to the primary phone."""

    device_link_uri = fields.String(required=True)


class DeviceSchema(Schema):
    """One device of an account (``listDevices``)."""

    id = fields.Integer(required=True)
    name = GoString(required=True)
    last_seen_timestamp = fields.Integer(required=True)
    creation_timestamp = fields.Integer(required=True)
