"""Schemas of the General area: about, configuration."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import LenientSchema


class AboutSchema(Schema):
    """What ``/v1/about`` reports."""

    versions = fields.List(fields.String(), required=True)
    build = fields.Integer(required=True)
    mode = fields.String(required=True)
    version = fields.String(required=True)
    capabilities = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True)
    backend = fields.String(metadata={"description": "signal-cli or simulator"})


class LoggingConfigurationSchema(LenientSchema):
    """Logging settings; the key really is ``Level`` (capital L), as in the original."""

    level = fields.String(
        data_key="Level",
        metadata={"description": "debug, info, warn or error"},
    )


class ConfigurationSchema(LenientSchema):
    """The REST API configuration."""

    logging = fields.Nested(LoggingConfigurationSchema)


class TrustModeSchema(LenientSchema):
    """A number's trust mode for new identities: on-first-use, always or never."""

    trust_mode = fields.String(metadata={"description": "on-first-use, always or never"})
