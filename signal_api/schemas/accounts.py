"""Schemas of the Accounts area: rate-limit challenge, settings, configuration, username, PIN."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import JsonBoolean, JsonString, RequestBody, present


class RateLimitChallengeSchema(RequestBody):
    """A solved captcha for a rate-limit challenge."""

    challenge_token = JsonString(metadata={"description": "The challenge token of the rate-limit error",
                                           "example": "<challenge token>"})
    captcha = JsonString(metadata={"description": "The solved captcha",
                                   "example": "signalcaptcha://{captcha value}"})

    checks = (
        present("challenge_token", "Couldn't process request - challenge token missing"),
        present("captcha", "Couldn't process request - captcha missing"),
    )


class AccountSettingsSchema(RequestBody):
    """Account settings to change; absent ones stay as they are."""

    discoverable_by_number = JsonBoolean()
    share_number = JsonBoolean()


class AccountConfigurationSchema(RequestBody):
    """Privacy settings of the account (signal-cli ``updateConfiguration``); absent ones stay as they are."""

    read_receipts = JsonBoolean(metadata={"description": "Send read receipts"})
    typing_indicators = JsonBoolean(metadata={"description": "Send typing indicators"})
    unidentified_delivery_indicators = JsonBoolean(
        metadata={"description": "Show the sealed-sender indicator on messages"})
    link_previews = JsonBoolean(metadata={"description": "Generate link previews"})


class SetUsernameSchema(RequestBody):
    """A nickname (``test``) or a full username (``test.123``); signal-cli judges it."""

    username = JsonString(metadata={"example": "test"})


class UsernameSchema(Schema):
    """The username signal-cli set and its link."""

    username = fields.String(required=True)
    username_link = fields.String(required=True)


class SetPinSchema(RequestBody):
    """The registration lock PIN (signal-cli judges it, an empty one included)."""

    pin = JsonString()
