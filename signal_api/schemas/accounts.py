"""Schemas of the Accounts area: rate-limit challenge, settings, username, PIN."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import LenientSchema


class RateLimitChallengeSchema(LenientSchema):
    """A solved captcha for a rate-limit challenge; both are checked in the view (exact texts)."""

    challenge_token = fields.String(metadata={"description": "The challenge token of the rate-limit error",
                                              "example": "<challenge token>"})
    captcha = fields.String(metadata={"description": "The solved captcha",
                                      "example": "signalcaptcha://{captcha value}"})


class AccountSettingsSchema(LenientSchema):
    """Account settings to change; absent ones stay as they are."""

    discoverable_by_number = fields.Boolean()
    share_number = fields.Boolean()


class SetUsernameSchema(LenientSchema):
    """A nickname (``test``) or a full username (``test.123``)."""

    username = fields.String(required=True, metadata={"example": "test"})


class UsernameSchema(Schema):
    """The username signal-cli set and its link."""

    username = fields.String(required=True)
    username_link = fields.String(required=True)


class SetPinSchema(LenientSchema):
    """The registration lock PIN."""

    pin = fields.String(required=True)
