"""Webhooks: subscriptions that POST received messages to a URL, beside ``RECEIVE_WEBHOOK_URL``.

Each subscription is delivered by its own worker, in the order the messages were stored, with
the retries and the signature of ``RECEIVE_WEBHOOK_URL`` (``signal_api.receive.webhooks``); its
answer shows how delivering to it goes. A token limited to some accounts sees and manages only
subscriptions for accounts it has.
"""
from __future__ import annotations

import secrets

from flask_smorest import abort

from signal_api.access import identity
from signal_api.access.accounts import BodyAccountList, ListedAccounts, WebhookOwner, token_covers
from signal_api.access.authentication import current_token
from signal_api.access.scopes import scope
from signal_api.extensions import SignalBlueprint
from signal_api.schemas.webhooks import WebhookCreatedSchema, WebhookCreateSchema, WebhookSchema
from signal_api.services import get_services
from signal_api.storage.webhook_subscriptions import Subscription, parse_subscription_id

blp = SignalBlueprint("Webhooks", __name__, description="Subscribe URLs to received messages")

#: Each subscription has a worker of its own; this keeps their number bounded.
MAX_SUBSCRIPTIONS = 100


@blp.route("/v1/webhooks", methods=["POST"])
@scope("admin", account=BodyAccountList())
@blp.without_signal_cli
@blp.arguments(WebhookCreateSchema)
@blp.response(201, WebhookCreatedSchema)
@blp.alt_response(409, description=f"There are {MAX_SUBSCRIPTIONS} subscriptions already")
def create_webhook(body):
    """Subscribe a URL to received messages.

    Every message stored from now on that is for one of ``accounts`` and of one of ``kinds`` is
    POSTed to ``url`` (the body of ``RECEIVE_WEBHOOK_URL``'s webhook), signed with ``secret``.
    The answer is the only one that shows the secret.
    """
    if not token_covers(current_token(), body["accounts"]):
        abort(403, message="This token may only subscribe to its own accounts")
    services = get_services()
    if services.webhooks.count() >= MAX_SUBSCRIPTIONS:
        abort(409, message=f"There are {MAX_SUBSCRIPTIONS} webhook subscriptions already; delete one first")
    subscription = services.webhooks.create(
        body["url"], body.get("secret") or secrets.token_urlsafe(32),
        accounts=body["accounts"], kinds=body["kinds"], created_by=identity(),
    )
    _sync()
    return subscription


@blp.route("/v1/webhooks", methods=["GET"])
@scope("admin", account=ListedAccounts())
@blp.without_signal_cli
@blp.response(200, WebhookSchema(many=True))
def list_webhooks():
    """List the webhook subscriptions.

    With how delivering to each goes (pending and failed deliveries, the last attempt). A token
    limited to some accounts sees the subscriptions for its accounts only.
    """
    token = current_token()
    return [subscription for subscription in get_services().webhooks.list() if token_covers(token, subscription.accounts)]


@blp.route("/v1/webhooks/<webhook_id>", methods=["GET"])
@scope("admin", account=WebhookOwner())
@blp.without_signal_cli
@blp.response(200, WebhookSchema)
@blp.alt_response(404, description="No such subscription")
def get_webhook(webhook_id):
    """Show one webhook subscription."""
    return _subscription(webhook_id)


@blp.route("/v1/webhooks/<webhook_id>", methods=["DELETE"])
@scope("admin", account=WebhookOwner())
@blp.without_signal_cli
@blp.response(204)
@blp.alt_response(404, description="No such subscription")
def delete_webhook(webhook_id):
    """Delete a webhook subscription.

    Its pending deliveries are dropped; nothing more is sent to it (but a POST already on its way).
    """
    subscription = _subscription(webhook_id)
    get_services().webhooks.delete(subscription.id)
    _sync()
    return None


def _subscription(webhook_id: str) -> Subscription:
    subscription_id = parse_subscription_id(webhook_id)
    subscription = get_services().webhooks.get(subscription_id) if subscription_id is not None else None
    if subscription is None:
        abort(404, message=f"No webhook subscription {webhook_id[:40]!r}")
    return subscription


def _sync() -> None:
    dispatchers = get_services().subscription_dispatchers
    if dispatchers is not None:
        dispatchers.sync()
