"""Identities: the identity keys of the people an account talks to, and trusting them."""
from __future__ import annotations

from signal_api.access.scopes import scope
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.identities import IdentitySchema, TrustIdentitySchema
from signal_api.services import get_services

blp = SignalBlueprint("Identities", __name__, description="List and trust identity keys")


@blp.route("/v1/identities/<number>", methods=["GET"])
@scope("manage")
@blp.response(200, IdentitySchema(many=True))
def list_identities(number):
    """List Identities

    Lists the identity keys the account knows, with their trust level and safety number.
    signal-cli's errors are answered like on every route (the original answered 500 even for
    a malformed or unregistered account).
    """
    return get_services().backend.call("listIdentities", {}, account=number) or []


@blp.route("/v1/identities/<number>/trust/<numberToTrust>", methods=["PUT"])
@scope("manage")
@blp.arguments(TrustIdentitySchema)
@blp.response(204)
def trust_identity(body, number, numberToTrust):  # noqa: N803 (the original's path parameter name)
    """Trust Identity

    Trusts an identity key after comparing the safety number, or (only for testing) every known
    key of the user with ``trust_all_known_keys``.
    """
    safety_number = body.get("verified_safety_number")
    params = {"recipient": numberToTrust}
    if safety_number is not None:
        params["verifiedSafetyNumber"] = safety_number
    else:
        params["trustAllKnownKeys"] = True
    get_services().backend.call("trust", params, account=number)
    return None
