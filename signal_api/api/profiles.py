"""Profiles: the account's own name, about text and avatar."""
from __future__ import annotations

from signal_api.access.scopes import scope
from signal_api.translate.attachments import AttachmentDir, decode_avatar
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.profiles import UpdateProfileSchema
from signal_api.services import get_services

blp = SignalBlueprint("Profiles", __name__, description="Update the account's profile")


@blp.route("/v1/profiles/<number>", methods=["PUT"])
@scope("manage")
@blp.arguments(UpdateProfileSchema)
@blp.response(204)
def update_profile(body, number):
    """Update Profile.

    Sets the profile name and optionally the about text and avatar. Without ``base64_avatar``
    the current avatar is kept (the original removed it); ``""`` removes it.
    """
    services = get_services()
    params = {"givenName": body["name"]}
    if "about" in body:
        params["about"] = body["about"]
    avatar = body.get("base64_avatar")
    if avatar == "":
        params["removeAvatar"] = True
    if not avatar:
        services.backend.call("updateProfile", params, account=number)
        return None
    data = decode_avatar(avatar)
    with AttachmentDir(services.config.tmp_dir) as tmp:
        params["avatar"] = tmp.write(data)
        services.backend.call("updateProfile", params, account=number)
    return None
