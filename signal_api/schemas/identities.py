"""Schemas of the Identities area: identity keys and trusting them."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import GoString, LenientSchema


class IdentitySchema(Schema):
    """One identity key (``client.IdentityEntry``), from signal-cli's ``listIdentities``."""

    number = GoString()
    status = GoString(
        attribute="trustLevel", metadata={"enum": ["TRUSTED_VERIFIED", "TRUSTED_UNVERIFIED", "UNTRUSTED"]}
    )
    fingerprint = GoString()
    added = GoString(attribute="addedTimestamp", metadata={"description": "Milliseconds since the epoch"})
    safety_number = GoString(attribute="safetyNumber")
    uuid = GoString()


class TrustIdentitySchema(LenientSchema):
    """How to trust: a verified safety number (preferred) or all known keys."""

    verified_safety_number = fields.String()
    trust_all_known_keys = fields.Boolean(metadata={"example": False})
