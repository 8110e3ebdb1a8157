"""Schemas of registration and unregistration."""
from __future__ import annotations

from marshmallow import fields

from signal_api.schemas.common import LenientSchema


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
