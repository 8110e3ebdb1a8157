"""Schemas of the Profiles area."""
from __future__ import annotations

from signal_api.schemas.common import JsonString, RequestBody, present

NAME_MISSING = "Couldn't process request - profile name missing"


class UpdateProfileSchema(RequestBody):
    """The new profile: a name, optionally an avatar and an about text."""

    name = JsonString()
    base64_avatar = JsonString(
        metadata={"description": "Raw base64 image; absent keeps the current avatar, \"\" removes it"}
    )
    about = JsonString()

    checks = (present("name", NAME_MISSING),)
