"""The HTTP routes, one module per area (named after the original's Swagger tags).

Several engineers add areas at the same time: add your module with a one-line edit to the
import and to BLUEPRINTS, never by rewriting this file; run only your own tests (2 cores).
"""
from __future__ import annotations

from flask_smorest import Api

from signal_api.api import accounts, attachments, contacts, devices, general, groups, identities, message_actions, messages, polls, profiles, reactions, receipts, search, sticker_packs, webhooks

BLUEPRINTS = (general.blp, devices.blp, accounts.blp, messages.blp, groups.blp, reactions.blp, receipts.blp, message_actions.blp, polls.blp, contacts.blp, profiles.blp, identities.blp, search.blp, sticker_packs.blp, attachments.blp, webhooks.blp)


def register_all(api: Api) -> None:
    """Register every area's blueprint on the Api."""
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
