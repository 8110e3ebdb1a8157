"""Schemas of the Search area."""
from __future__ import annotations

from marshmallow import Schema, fields

from signal_api.schemas.common import GoString, RecipientString


class SearchNumbersArgsSchema(Schema):
    """Query parameters of ``/v1/search/{number}``: each number as its own ``numbers``."""

    numbers = fields.List(RecipientString(), load_default=list, metadata={"description": "Numbers to check"})


class SearchArgsSchema(SearchNumbersArgsSchema):
    """Query parameters of ``/v1/search``: ``number`` names the account (pysignalclirestapi sends it)."""

    number = fields.String(metadata={"description": "The account to search with"})


class SearchResultSchema(Schema):
    """Whether one number is on Signal (``api.SearchResponse``)."""

    number = GoString(required=True)
    registered = fields.Boolean(attribute="isRegistered", required=True, dump_default=False)
