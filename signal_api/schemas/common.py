"""Fields and schemas shared by several areas."""
from __future__ import annotations

from marshmallow import Schema, fields


class NumberPathSchema(Schema):
    """The ``{number}`` path parameter: the account's own number."""

    number = fields.String(required=True, metadata={"description": "Registered phone number"})


class LenientSchema(Schema):
    """Request bodies: explicit nulls mean "not given", as they do for the original."""

    def __init_subclass__(cls, **kwargs):  # noqa: ANN003, ANN204
        super().__init_subclass__(**kwargs)
        for field in cls._declared_fields.values():
            if not field.required:
                field.allow_none = True
