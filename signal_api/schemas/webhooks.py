"""Schemas of the webhook subscriptions (``/v1/webhooks``)."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate

from signal_api.receive.webhook_urls import check_subscription_url
from signal_api.schemas.common import JsonList, JsonString, RequestBody
from signal_api.storage.webhook_subscriptions import KINDS
from signal_api.translate.identifiers import IdentifierError, check_account_number

MAX_ACCOUNTS = 100
MIN_SECRET_LENGTH, MAX_SECRET_LENGTH = 16, 256


def _url(value: str) -> None:
    try:
        check_subscription_url(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _account(value: str) -> None:
    try:
        check_account_number(value)
    except IdentifierError:
        raise ValidationError(f"{value[:40]!r} is not an account number (+ and 7 to 15 digits)") from None


def _secret(value: str) -> None:
    if not MIN_SECRET_LENGTH <= len(value) <= MAX_SECRET_LENGTH:
        raise ValidationError(f"must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters")
    if not value.isascii() or not value.isprintable():
        raise ValidationError("must be printable ASCII")


class WebhookCreateSchema(RequestBody):
    """A new subscription: where to POST, signed with which secret, for which accounts and events."""

    url = JsonString(required=True, validate=_url, metadata={
        "description": "http:// or https:// URL the messages are POSTed to (no user:password@; no link-local "
                       "or metadata-service address)", "example": "https://example.org/signal-hook"})
    secret = JsonString(validate=_secret, metadata={
        "description": f"HMAC-SHA256 key of the X-Signal-Api-Signature header ({MIN_SECRET_LENGTH}-"
                       f"{MAX_SECRET_LENGTH} printable ASCII characters); when not given, one is made. "
                       "Shown in this answer only"})
    accounts = JsonList(JsonString(validate=_account), max_items=MAX_ACCOUNTS, load_default=list, metadata={
        "description": "The accounts whose messages are wanted; empty: every account (a token limited to "
                       "some accounts must list them)", "example": ["+4915112345678"]})
    kinds = JsonList(JsonString(validate=validate.OneOf(list(KINDS), error="must be one of {choices}")),
                     max_items=len(KINDS), load_default=list, metadata={
        "description": "The kinds of event wanted; empty: every kind. "
                       + "; ".join(f"{kind}: {meaning}" for kind, meaning in KINDS.items()),
        "items": {"enum": list(KINDS)}})


class WebhookSchema(Schema):
    """A subscription and how delivering to it goes (its secret is never shown again)."""

    id = fields.Integer(required=True)
    url = fields.String(required=True)
    accounts = fields.List(fields.String(), required=True, metadata={"description": "Empty: every account"})
    kinds = fields.List(fields.String(), required=True, metadata={"description": "Empty: every kind"})
    created_at = fields.Integer(required=True, metadata={"description": "ms since the epoch"})
    created_by = fields.String(allow_none=True, metadata={"description": "The token that created it"})
    pending = fields.Integer(required=True, metadata={"description": "Deliveries still to be made"})
    failed = fields.Integer(required=True, metadata={"description": "Deliveries given up after the last attempt"})
    consecutive_failures = fields.Integer(required=True, metadata={"description": "Failed attempts since the "
                                                                                  "last success"})
    last_status = fields.Integer(allow_none=True, metadata={"description": "HTTP status of the last attempt "
                                                                           "(null: no answer, or none yet)"})
    last_error = fields.String(allow_none=True, metadata={"description": "Why the last attempt failed"})
    last_attempt_at = fields.Integer(allow_none=True, metadata={"description": "ms since the epoch"})
    last_delivered_at = fields.Integer(allow_none=True, metadata={"description": "ms since the epoch"})


class WebhookCreatedSchema(WebhookSchema):
    """A subscription just created, with its secret (the only time it is shown)."""

    secret = fields.String(required=True)

