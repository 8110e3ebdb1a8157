"""Fields and schemas shared by several areas."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, pre_load


class LenientSchema(Schema):
    """Request bodies: an explicit null means "not given", as it does for the original."""

    @pre_load
    def _drop_nulls(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


class GoString(fields.String):
    """A response string that is never null: missing or null is ``""``, as Go's zero value."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(dump_default="", **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str:
        return "" if value is None else str(value)
