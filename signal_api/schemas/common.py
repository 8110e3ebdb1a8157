"""Fields and schemas shared by several areas."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, pre_load


class LenientSchema(Schema):
    """Request bodies: an explicit null means "not given", as it does for the original."""

    @pre_load
    def _drop_nulls(self, data: Any, **kwargs: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data
