"""Delivering one outgoing message to resolved recipients and building SendMessageResults.

Local registered recipients get the envelope appended to their pending queue; outside peers get
a line in ``outbox.jsonl``; failure-block peers only produce a failure result.  A message to the
sender's own number (or ``--note-to-self``) arrives in the sender's own queue as a
``syncMessage.sentMessage`` transcript, or as a plain ``dataMessage`` with ``--notify-self``
(the simulator has no linked devices, so this is where the transcript is made visible).
While a rate-limit challenge is imposed on the sender, every recipient's result is a
``RATE_LIMIT_FAILURE`` with the challenge's token and ``retryAfterSeconds``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import envelopes, recipients, state
from .errors import RateLimitError, UntrustedKeyError, UserError
from .network import Recipient, account_address

#: The account file's key of a rate-limit challenge imposed on it (``seed.impose_rate_limit``):
#: ``{"token", "retryAfterSeconds"}``; ``submitRateLimitChallenge`` with that token lifts it.
CHALLENGE_KEY = "rateLimitChallenge"


@dataclass
class Outgoing:
    """A message about to be sent by a local account."""

    sender: dict            # the sender's account file
    timestamp: int
    message: str | None
    fields: dict = field(default_factory=dict)   # optional DataMessage fields (JSON names)
    expires: int = 0
    view_once: bool = False
    edit_target: int | None = None
    notify_self: bool = False
    expiration_update: bool = False

    @property
    def source(self) -> dict:
        return {"number": self.sender["number"], "uuid": self.sender["uuid"], "name": state.profile_name(self.sender)}

    def content(self, group: dict | None) -> tuple[str, dict]:
        """(envelope key, value) for this message, with groupInfo when sent to a group."""
        extra = dict(self.fields)
        expires = self.expires
        if group is not None:
            extra["groupInfo"] = envelopes.group_info(group)
            expires = group.get("messageExpirationTime", 0)
        dm = envelopes.data_message(self.timestamp, self.message, expires=expires, view_once=self.view_once, **extra)
        dm["isExpirationUpdate"] = self.expiration_update
        if self.edit_target is not None:
            return "editMessage", envelopes.edit_message(self.edit_target, dm)
        return "dataMessage", dm


def deliver(cfg: str, out: Outgoing, recipient: Recipient, group: dict | None = None) -> dict:
    """Send ``out`` to one recipient; return its SendMessageResult."""
    result: dict = {"recipientAddress": recipient.address}
    if group is not None:
        result["groupId"] = group["id"]
    challenge = out.sender.get(CHALLENGE_KEY)
    if isinstance(challenge, dict):
        # An imposed challenge: Signal wants proof from the sender, whoever the recipient is.
        result.update(type="RATE_LIMIT_FAILURE", token=challenge["token"],
                      retryAfterSeconds=challenge["retryAfterSeconds"])
        return result
    recipients.before_send(cfg, out.sender, recipient)
    if recipient.failure:
        result["type"] = recipient.failure
        result.update(recipient.extra)
        return result
    key, value = out.content(group)
    server_ts = state.now_ms()
    if recipient.account is not None and recipient.account["number"] == out.sender["number"]:
        if out.notify_self:
            env = envelopes.envelope(out.source, out.timestamp, server_ts, **{key: value})
        else:
            edit = value if key == "editMessage" else None
            dest = None if group is not None else account_address(out.sender)
            sync = envelopes.sent_transcript(dest, value if edit is None else value["dataMessage"], edit)
            env = envelopes.envelope(out.source, out.timestamp, server_ts, syncMessage=sync)
        state.enqueue(cfg, out.sender["number"], env)
    elif recipient.account is not None:
        env = envelopes.envelope(out.source, out.timestamp, server_ts, **{key: value})
        state.enqueue(cfg, recipient.account["number"], env)
        recipients.after_receive(cfg, recipient.account, out.source)
    else:
        env = envelopes.envelope(out.source, out.timestamp, server_ts, **{key: value})
        state.append_outbox(cfg, {"from": out.sender["number"], "to": recipient.identifier,
                                  "timestamp": out.timestamp, "envelope": env})
    result["type"] = "SUCCESS"
    return result


def raise_for_results(result: dict) -> None:
    """signal-cli's rule: no SUCCESS at all -> exit 4 (all identity), 5 (all rate limit) or 1."""
    results = result.get("results") or []
    if not results or any(r["type"] == "SUCCESS" for r in results):
        return
    types = {r["type"] for r in results}
    if types == {"IDENTITY_FAILURE"}:
        raise UntrustedKeyError("Failed to send message due to untrusted identities", response=result)
    if types == {"RATE_LIMIT_FAILURE"}:
        raise RateLimitError("Failed to send message due to rate limiting", response=result)
    raise UserError("Failed to send message", response=result)


def failure_text(result: dict) -> str:
    """Plain-text reason for one failed SendMessageResult."""
    addr = result["recipientAddress"]
    ident = addr.get("number") or addr.get("uuid") or addr.get("username")
    kind = result["type"]
    if kind == "UNREGISTERED_FAILURE":
        return f'Unregistered user "{ident}"'
    if kind == "IDENTITY_FAILURE":
        return f'Untrusted Identity for "{ident}"'
    if kind == "NETWORK_FAILURE":
        return f'Network failure for "{ident}"'
    if kind == "RATE_LIMIT_FAILURE" and result.get("token"):
        return (f'CAPTCHA proof required for sending to "{ident}", available options "RECAPTCHA" with challenge '
                f'token "{result["token"]}", or wait "{result.get("retryAfterSeconds")}" seconds.\n'
                "To get the captcha token, go to https://signalcaptchas.org/challenge/generate.html\n"
                "Check the developer tools (F12) console for a failed redirect to signalcaptcha://\n"
                "Everything after signalcaptcha:// is the captcha token.\n"
                "Use the following command to submit the captcha token:\n"
                f"signal-cli submitRateLimitChallenge --challenge {result['token']} --captcha CAPTCHA_TOKEN")
    if kind == "RATE_LIMIT_FAILURE":
        return f'Rate limit failure for "{ident}"'
    return f'Failed to send to "{ident}": {kind}'


def render_send_result(result: dict | None) -> list[str]:
    """Plain output of a SendResult: failure lines (if any), then the timestamp."""
    if not result:
        return []
    lines = []
    failures = [failure_text(r) for r in result.get("results", []) if r["type"] != "SUCCESS"]
    if failures:
        lines.append("Failed to send (some) messages:")
        lines.extend(failures)
    lines.append(str(result["timestamp"]))
    return lines
