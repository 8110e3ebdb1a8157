"""Schemas of the Sticker Packs area."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import GoString, JsonString, RequestBody


class StickerPackSchema(Schema):
    """An installed sticker pack (``client.ListInstalledStickerPacksResponse``)."""

    pack_id = GoString(attribute="packId")
    url = GoString()
    installed = fields.Boolean(dump_default=False)
    title = GoString()
    author = GoString()


class AddStickerPackSchema(RequestBody):
    """The two parts of a ``https://signal.art/addstickers/#pack_id=…&pack_key=…`` link (signal-cli judges them)."""

    pack_id = JsonString(metadata={"example": "9a32eda01a7a28574f2eb48668ae0dc4"})
    pack_key = JsonString(metadata={"example": "19546e18eba0ff69dea78eb591465289d39e16f35e58389ae779d4f9455aff3a"})
