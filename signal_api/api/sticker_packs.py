"""Sticker Packs: list and install sticker packs."""
from __future__ import annotations

from signal_api.access.scopes import scope
from signal_api.api.responses import empty
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.sticker_packs import AddStickerPackSchema, StickerPackSchema
from signal_api.services import get_services

blp = SignalBlueprint("Sticker Packs", __name__, description="List and install sticker packs")

PACK_URL = "https://signal.art/addstickers/#pack_id={pack_id}&pack_key={pack_key}"


@blp.route("/v1/sticker-packs/<number>", methods=["GET"])
@scope("manage")
@blp.response(200, StickerPackSchema(many=True))
def list_sticker_packs(number):
    """List Installed Sticker Packs.

    Lists the sticker packs the account has installed.
    """
    return get_services().backend.call("listStickerPacks", {}, account=number) or []


@blp.route("/v1/sticker-packs/<number>", methods=["POST"])
@scope("manage")
@blp.arguments(AddStickerPackSchema)
@blp.response(201)
def add_sticker_pack(body, number):
    """Add Sticker Pack.

    In order to add a sticker pack, browse to https://signalstickers.org/ and select the sticker
    pack you want to add. Then, press the "Add to Signal" button. The address bar then shows
    https://signal.art/addstickers/#pack_id=XXX&pack_key=YYY: XXX is the pack_id, YYY the pack_key.
    """
    uri = PACK_URL.format(pack_id=body.get("pack_id", ""), pack_key=body.get("pack_key", ""))
    get_services().backend.call("addStickerPack", {"uri": uri}, account=number)
    return empty(201)
