"""Schemas of the Profiles area."""
from __future__ import annotations

from marshmallow import fields, validate

from signal_api.schemas.common import LenientSchema

NAME_MISSING = "Couldn't process request - profile name missing"


class UpdateProfileSchema(LenientSchema):
    """The new profile: a name, optionally an avatar and an about text."""

    name = fields.String(
        required=True,
        validate=validate.Length(min=1, error=NAME_MISSING),
        error_messages={"required": NAME_MISSING},
    )
    base64_avatar = fields.String(
        metadata={"description": "Raw base64 image; absent keeps the current avatar, \"\" removes it"}
    )
    about = fields.String()
