"""The original's request binding, once for every route: Go's ``encoding/json`` through Gin.

What each request body goes through, in the original's order (every rule checked against the
original binary):

1. Reading the body (:class:`BodyRule`, applied by ``extensions.SignalParser``): an empty body is
   ``Couldn't process request - invalid request`` on most routes and "no options" on a few; only
   the first JSON value is read; ``null`` is ``{}``; anything but an object is invalid.
2. Binding, field by field (the ``Json*`` fields below): a field takes only its JSON type (a string
   for a boolean or a number, ``1.0`` or ``1e3`` for an integer, a number for a string: all
   ``invalid request``); integers are Go's int64 (poll answers int32); ``null`` means "not given",
   and a ``null`` list item is the item type's zero value; unknown keys are ignored and keys match
   case-insensitively (the parser). On top of Go's types, values signal-cli cannot take are
   refused here too, naming the field: negative timestamps, mention offsets beyond Java's int,
   recipients that start with a plus sign but are no ASCII phone number.
3. The handler's own checks (:attr:`RequestBody.checks`), in the original's order and with its
   texts, e.g. ``Couldn't process request - recipient missing``.

A binding failure names the field after the original's text
(``Couldn't process request - invalid request: timestamp: expected an integer``); a text the
original gives word for word (:class:`OriginalText`) is answered as is, the field added after it
when the text does not name it.
"""
from __future__ import annotations

import enum
import re
from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from signal_api.errors.request import RequestError
from signal_api.translate.identifiers import IdentifierError, check_recipient_text

INVALID_REQUEST = "Couldn't process request - invalid request"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
# Go's strconv.ParseInt syntax: an optional sign and ASCII decimal digits.
GO_INT = re.compile(r"[+-]?[0-9]+")


class OriginalText(str):
    """A message the original gives word for word: shown as is, the field added unless it ``names_field``."""

    names_field: bool

    def __new__(cls, text: str, *, names_field: bool = False) -> OriginalText:
        message = super().__new__(cls, text)
        message.names_field = names_field
        return message


class OversizedNumber:
    """A JSON integer too long to be any integer field's value (the parser's stand-in for it)."""

    def __init__(self, digits: str) -> None:
        self.digits = digits

    def __repr__(self) -> str:
        return f"OversizedNumber({len(self.digits)} digits)"


class BodyRule(enum.Enum):
    """How the original reads a route's body."""

    #: Gin's BindJSON: an empty body is invalid, only the first JSON value is read.
    BIND = "bind"
    #: register, verify, unregister: no bytes at all mean "no options"; otherwise the whole body
    #: must be one JSON value (json.Unmarshal), and the invalid-request text ends in a period.
    OPTIONAL = "optional"
    #: local-data: no Content-Length (and not chunked) or 0 means "no options"; otherwise BindJSON.
    OPTIONAL_WITHOUT_LENGTH = "optional-without-length"


# --------------------------------------------------------------------------- fields


class JsonString(fields.String):
    """A JSON string (Go ``string``)."""

    go_zero: ClassVar[Any] = ""
    default_error_messages = {"invalid": "expected a JSON string"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if not isinstance(value, str):
            raise self.make_error("invalid")
        return value


class RecipientString(JsonString):
    """A phone number, UUID or username that signal-cli parses as a recipient.

    A value starting with a plus sign (also a full-width or other compatibility form) is a phone
    number and must be one in ASCII: signal-cli's phone number library would otherwise read
    ``＋４９…`` or Arabic-Indic digits as a number in one mode and not in another.
    """

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        try:
            check_recipient_text(text)
        except IdentifierError as exc:
            raise ValidationError(OriginalText(str(exc))) from None
        return text


class JsonBoolean(fields.Boolean):
    """A JSON ``true`` or ``false`` (Go ``bool``): ``"yes"``, ``1`` or ``"true"`` are refused."""

    go_zero: ClassVar[Any] = False
    default_error_messages = {"invalid": "expected true or false"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if value is True or value is False:
            return value
        raise self.make_error("invalid")


class JsonInteger(fields.Integer):
    """A JSON integer (not a float, a string or a boolean) that fits Go's int64 (or ``bits``).

    ``minimum``/``maximum`` narrow it to what signal-cli accepts (documented in the spec).
    """

    go_zero: ClassVar[Any] = 0
    default_error_messages = {
        "invalid": "expected an integer",
        "too_large": "expected an integer of at most {bits} bits",
    }

    def __init__(self, *, bits: int = 64, minimum: int | None = None, maximum: int | None = None,
                 range_error: str | None = None, **kwargs: Any) -> None:
        self.bits = bits
        self.go_min, self.go_max = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        validators = list(kwargs.pop("validate", None) or [])
        if minimum is not None or maximum is not None:
            validators.append(validate.Range(min=minimum, max=maximum,
                                             error=range_error or "must be between {min} and {max}"))
        super().__init__(strict=True, validate=validators, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> int:
        if isinstance(value, OversizedNumber):
            raise self.make_error("too_large", bits=self.bits)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid")
        if not self.go_min <= value <= self.go_max:
            raise self.make_error("too_large", bits=self.bits)
        return value


class Timestamp(JsonInteger):
    """A message timestamp: milliseconds since the epoch, a positive 64-bit number (0: not given)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("metadata", {}).setdefault("example", 1769271479000)
        super().__init__(minimum=0, maximum=INT64_MAX,
                         range_error="must be a timestamp in milliseconds (0 to {max})", **kwargs)


class JsonList(fields.List):
    """A JSON array (Go slice); a ``null`` item is the item type's zero value, as in Go."""

    default_error_messages = {"invalid": "expected a JSON array", "too_long": "expected at most {max} items"}

    def __init__(self, *args: Any, max_items: int | None = None, **kwargs: Any) -> None:
        # Checked before any item is: a huge list is refused without validating each of its items.
        self.max_items = max_items
        if max_items is not None:
            kwargs.setdefault("metadata", {}).setdefault("maxItems", max_items)
        super().__init__(*args, **kwargs)

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> list[Any]:
        if not isinstance(value, list):
            raise self.make_error("invalid")
        if self.max_items is not None and len(value) > self.max_items:
            raise self.make_error("too_long", max=self.max_items)
        zero = getattr(self.inner, "go_zero", None)
        if isinstance(self.inner, fields.Nested):
            zero = {}
        return super()._deserialize([zero if item is None else item for item in value], attr, data, **kwargs)


class JsonObject(fields.Nested):
    """A JSON object (Go struct)."""

    default_error_messages = {"type": "expected a JSON object"}

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> Any:
        if not isinstance(value, Mapping):
            raise self.make_error("type")
        return super()._deserialize(value, attr, data, **kwargs)


class GoString(fields.String):
    """A response string that is never null: missing or null is ``""``, as Go's zero value."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(dump_default="", **kwargs)

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> str:
        return "" if value is None else str(value)


# --------------------------------------------------------------------------- handler checks

Check = Callable[[Mapping[str, Any]], None]


def is_missing(value: Any) -> bool:
    """Go's zero value test the original's checks use: absent, ``""``, ``0`` or an empty list."""
    return value is None or value == "" or value == [] or (value == 0 and not isinstance(value, bool))


def present(field: str, message: str | None = None) -> Check:
    """The field must be given and not empty or 0: ``Couldn't process request - <field> missing``."""
    text = message or f"Couldn't process request - {field} missing"

    def check(body: Mapping[str, Any]) -> None:
        if is_missing(body.get(field)):
            raise RequestError(text)

    return check


def one_of(field: str, allowed: tuple[str, ...], message: str) -> Check:
    """The field must be one of ``allowed`` (absent included in "not")."""

    def check(body: Mapping[str, Any]) -> None:
        if body.get(field) not in allowed:
            raise RequestError(message)

    return check


# --------------------------------------------------------------------------- schemas


class RequestBody(Schema):
    """A request body as the original binds and checks it (see the module docstring)."""

    class Meta:
        unknown = EXCLUDE

    #: How the original reads this body.
    body_rule: ClassVar[BodyRule] = BodyRule.BIND
    #: The text of a body the original cannot bind.
    invalid_request: ClassVar[str] = INVALID_REQUEST
    #: The handler's own checks, in the original's order; each raises a RequestError.
    checks: ClassVar[tuple[Check, ...]] = ()

    @pre_load
    def _drop_nulls(self, data: Any, **kwargs: Any) -> Any:
        # An explicit null leaves a Go field at its zero value: "not given".
        if isinstance(data, Mapping):
            return {key: value for key, value in data.items() if value is not None}
        return data

    @validates_schema
    def _run_checks(self, data: Mapping[str, Any], **kwargs: Any) -> None:
        for check in self.checks:
            check(data)


#: The former name of :class:`RequestBody` (schemas written before it was renamed).
LenientSchema = RequestBody


class OptionalBody(RequestBody):
    """Bodies of register, verify and unregister: all options, an empty body is none."""

    body_rule = BodyRule.OPTIONAL
    invalid_request = INVALID_REQUEST + "."


def go_int_text(value: str, *, bits: int = 64) -> int | None:
    """``value`` as Go's strconv.ParseInt reads it (sign, ASCII digits, in range), else None."""
    if not GO_INT.fullmatch(value) or len(value) > 25:
        return None
    number = int(value)
    return number if -(2 ** (bits - 1)) <= number < 2 ** (bits - 1) else None

