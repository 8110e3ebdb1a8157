"""Schemas of registration, linking and devices."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import GoString, LenientSchema


class RegisterNumberSchema(LenientSchema):
    """Optional settings of a registration."""

    use_voice = fields.Boolean(metadata={"description": "Verify by voice call instead of SMS"})
    captcha = fields.String(metadata={"description": "signalcaptcha://... token"})


class VerifyNumberSchema(LenientSchema):
    """Optional settings of a verification."""

    pin = fields.String(metadata={"description": "Registration lock PIN"})


class UnregisterNumberSchema(LenientSchema):
    """What to delete besides the registration."""

    delete_account = fields.Boolean(metadata={"description": "Delete the account on the Signal server"})
    delete_local_data = fields.Boolean(metadata={"description": "Delete the local signal-cli data"})


class DeleteLocalDataSchema(LenientSchema):
    """Options of deleting an account's local data."""

    ignore_registered = fields.Boolean(metadata={"description": "Delete even if the account is still registered"})


class AddDeviceSchema(LenientSchema):
    """The device to link to this (primary) account."""

    uri = fields.String(required=True, metadata={"description": "sgnl://linkdevice?uuid=...&pub_key=... "
                                                                "from the new device's QR code"})


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
