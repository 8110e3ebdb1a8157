"""Identities: the identity keys of the people an account talks to, and trusting them."""
from __future__ import annotations

from signal_api.extensions import SignalBlueprint
from signal_api.problems import RequestError
from signal_api.schemas.identities import IdentitySchema, TrustIdentitySchema
from signal_api.services import get_services

blp = SignalBlueprint("Identities", __name__, description="List and trust identity keys")

NEITHER_GIVEN = (
    "Couldn't process request - please either provide a safety number (preferred & more secure) "
    "or set 'trust_all_known_keys' to true"
)
BOTH_GIVEN = (
    "Couldn't process request - please either provide a safety number or set 'trust_all_known_keys' "
    "to true. But do not set both parameters at once!"
)
EMPTY_SAFETY_NUMBER = "Couldn't process request - please provide a valid safety number"


@blp.route("/v1/identities/<number>", methods=["GET"])
@blp.response(200, IdentitySchema(many=True))
def list_identities(number):
    """List Identities

    Lists the identity keys the account knows, with their trust level and safety number.
    signal-cli's errors are answered like on every route (the original answered 500 even for
    a malformed or unregistered account).
    """
    return get_services().backend.call("listIdentities", {}, account=number) or []


@blp.route("/v1/identities/<number>/trust/<numberToTrust>", methods=["PUT"])
@blp.arguments(TrustIdentitySchema)
@blp.response(204)
def trust_identity(body, number, numberToTrust):  # noqa: N803 (the original's path parameter name)
    """Trust Identity

    Trusts an identity key after comparing the safety number, or (only for testing) every known
    key of the user with ``trust_all_known_keys``.
    """
    safety_number = body.get("verified_safety_number")
    trust_all = body.get("trust_all_known_keys")
    if safety_number is None and not trust_all:
        raise RequestError(NEITHER_GIVEN)
    if safety_number is not None and trust_all:
        raise RequestError(BOTH_GIVEN)
    if safety_number == "":
        raise RequestError(EMPTY_SAFETY_NUMBER)
    params = {"recipient": numberToTrust}
    if safety_number is not None:
        params["verifiedSafetyNumber"] = safety_number
    else:
        params["trustAllKnownKeys"] = True
    get_services().backend.call("trust", params, account=number)
    return None
