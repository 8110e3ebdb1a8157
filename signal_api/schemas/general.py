"""Schemas of the General area: about, health, configuration."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields

from signal_api.schemas.common import JsonObject, JsonString, RequestBody


class AboutSchema(Schema):
    """What ``/v1/about`` reports."""

    versions = fields.List(fields.String(), required=True)
    build = fields.Integer(required=True)
    mode = fields.String(required=True)
    version = fields.String(required=True)
    capabilities = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)
    backend = fields.String(metadata={"description": "signal-cli or simulator"})


class LoggingConfigurationSchema(RequestBody):
    """Logging settings; the key really is ``Level`` (capital L), as in the original."""

    level = JsonString(
        data_key="Level",
        metadata={"description": "debug, info, warn or error"},
    )


class ConfigurationSchema(RequestBody):
    """The REST API configuration."""

    logging = JsonObject(LoggingConfigurationSchema)


class TrustModeSchema(RequestBody):
    """A number's trust mode for new identities: on-first-use, always or never."""

    trust_mode = JsonString(metadata={"description": "on-first-use, always or never"})


class QueryFlag(fields.String):
    """A query flag: ``1`` or ``true`` turns it on, ``0`` or ``false`` (or leaving it out) off."""

    VALUES = {"1": True, "true": True, "0": False, "false": False}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if isinstance(value, str) and value.lower() in self.VALUES:
            return self.VALUES[value.lower()]
        raise ValidationError("must be 1 or true (0 or false: liveness only)")


class HealthArgsSchema(Schema):
    """Query parameters of ``GET /v1/health``."""

    deep = QueryFlag(load_default=False, metadata={
        "enum": list(QueryFlag.VALUES), "default": "0",
        "description": "1: check signal-cli, the inbox and the accounts, and answer 200 or 503 with the findings"})


class SignalCliHealthSchema(Schema):
    """Whether signal-cli (the daemon, in the json-rpc modes) answered a quick ``listAccounts``."""

    ok = fields.Boolean(required=True)
    detail = fields.String(required=True, metadata={"description": "How long it took, or why it failed"})


class InboxHealthSchema(Schema):
    """Whether received messages can be stored."""

    ok = fields.Boolean(required=True)
    detail = fields.String(allow_none=True, metadata={"description": "Why not (null when ok)"})


class AccountHealthSchema(Schema):
    """One local account that is, or once was, registered."""

    number = fields.String(metadata={"description": "Left out when SIGNAL_API_AUTH=token (the route is open)"})
    registered = fields.Boolean(required=True)


class HealthSchema(Schema):
    """What ``GET /v1/health?deep=1`` found; ``reasons`` names each failed check."""

    status = fields.String(required=True, metadata={"enum": ["ok", "unhealthy"]})
    signal_cli = fields.Nested(SignalCliHealthSchema, required=True)
    inbox = fields.Nested(InboxHealthSchema, required=True)
    accounts = fields.List(fields.Nested(AccountHealthSchema), required=True, metadata={
        "description": "Every account signal-cli lists or once registered (empty when signal-cli did not answer)"})
    reasons = fields.List(fields.String(), required=True, metadata={"description": "Empty when status is ok"})
