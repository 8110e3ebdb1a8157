"""Schemas of the Identities area: identity keys and trusting them."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from marshmallow import Schema

from signal_api.errors.request import RequestError
from signal_api.schemas.common import GoString, JsonBoolean, JsonString, RequestBody

NEITHER_GIVEN = (
    "Couldn't process request - please either provide a safety number (preferred & more secure) "
    "or set 'trust_all_known_keys' to true"
)
BOTH_GIVEN = (
    "Couldn't process request - please either provide a safety number or set 'trust_all_known_keys' "
    "to true. But do not set both parameters at once!"
)
EMPTY_SAFETY_NUMBER = "Couldn't process request - please provide a valid safety number"


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


def _one_way_of_trusting(body: Mapping[str, Any]) -> None:
    # The original tells an absent safety number (a Go nil pointer) from an empty one.
    safety_number = body.get("verified_safety_number")
    trust_all = body.get("trust_all_known_keys")
    if safety_number is None and not trust_all:
        raise RequestError(NEITHER_GIVEN)
    if safety_number is not None and trust_all:
        raise RequestError(BOTH_GIVEN)
    if safety_number == "":
        raise RequestError(EMPTY_SAFETY_NUMBER)


class TrustIdentitySchema(RequestBody):
    """How to trust: a verified safety number (preferred) or all known keys."""

    verified_safety_number = JsonString()
    trust_all_known_keys = JsonBoolean(metadata={"example": False})

    checks = (_one_way_of_trusting,)
