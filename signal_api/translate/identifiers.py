"""Phone numbers, UUIDs, group ids and recipient classification (anchor spec §4, §5, §7).

Group ids come in two forms:

* the *internal* id signal-cli uses: standard base64 of the 32-byte group
  identifier (44 characters; 24 characters / 16 bytes for legacy v1 groups);
* the REST id: ``group.`` + standard base64 of the internal id's ASCII text.

Error messages are byte-identical to upstream's, including its typos.

Deliberate differences from upstream:

* ``is_phone_number("")`` is ``False`` (upstream's loop accepted it), so an
  empty recipient is rejected as ``Invalid identifier `` instead of being sent.
* A raw internal group id given as a recipient is a group, not a username
  (upstream passed it to signal-cli as a username, which then failed).
* Account numbers and phone-number recipients are checked here, before any signal-cli call, so
  every mode answers the same (upstream left it to signal-cli, whose CLI and daemon differ):
  :func:`check_account_number` and :func:`check_recipient_text`.
"""
from __future__ import annotations

import base64
import enum
import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from signal_api.errors.request import naming_field
from signal_api.translate.attachments import decode_std_base64

GROUP_PREFIX = "group."

_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_PHONE_CHARS = frozenset("0123456789 ")
_GROUP_ID_BYTES = 32
_LEGACY_GROUP_ID_BYTES = 16
# Upstream: a failed first decode of a short "group.xyz" means a username like "group.42".
_MAX_GROUP_USERNAME_TAIL = 10
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

# An account as signal-cli 0.13's account check takes it: "+", no leading 0, 7 to 15 ASCII digits
# (its phone number library then also checks the country code, which this does not repeat).
_ACCOUNT_NUMBER = re.compile(r"\+[1-9][0-9]{6,14}")
# signal-cli's own texts (CLI mode), kept so that clients matching them keep working.
INVALID_ACCOUNT = "Invalid account (phone number), make sure you include the country code."
INVALID_PHONE_NUMBER = "Invalid phone number '{value}': The string supplied did not seem to be a phone number."

_MSG_NO_RECIPIENT = "Please provide at least one recipient"
_MSG_INVALID_GROUP_ID = "Invalid group id"
_MSG_MALFORMED_NUMBER = "Couldn't process request - malformed number"
_MSG_GROUPS_AND_NUMBERS = (
    "Signal Messenger Groups and phone numbers cannot be specified together in one request! "
    "Please split them up into multiple REST API calls."
)
_MSG_GROUPS_AND_USERNAMES = (
    "Signal Messenger Groups and usernames cannot be specified together in one request! "
    "Please split them up into multiple REST API calls."
)
_MSG_NUMBERS_AND_USERNAMES = (
    "Signal Messenger phone numbers and usernames cannot be specified together in one request! "
    "Please split them up into multiple REST API calls."
)
_MSG_SEVERAL_GROUPS = (
    "A signal message cannot be sent to more than one group at once! "
    "Please use multiple REST API calls for that."
)


class IdentifierError(ValueError):
    """An identifier is invalid; ``str(exc)`` is the user-facing message."""


class MalformedAccountError(IdentifierError):
    """An account number that can name no account; ``field`` is where the request gave it."""

    def __init__(self, message: str, field: str | None, *, opens_account: bool = False) -> None:
        super().__init__(message)
        self.field = field
        #: For a command that opens the account itself (register, verify, delete local data).
        self.opens_account = opens_account


class RecipientKind(enum.Enum):
    """How signal-cli must address a recipient."""

    NUMBER = "number"
    GROUP = "group"
    USERNAME = "username"


@dataclass(frozen=True)
class Recipient:
    """A classified recipient.

    ``value`` is the internal id for a group, the number or canonical UUID for a
    number, and the username for a username.
    """

    kind: RecipientKind
    value: str


@dataclass
class RecipientSet:
    """The recipients of one send: N numbers/UUIDs, N usernames, or one group."""

    numbers: list[str] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)
    group: str | None = None


def is_phone_number(value: str) -> bool:
    """True if ``value`` is ``+`` followed only by ASCII digits and spaces.

    There is no length check (``"+"`` passes), as upstream. Unlike upstream,
    the empty string is *not* a phone number.
    """
    return value.startswith("+") and all(ch in _PHONE_CHARS for ch in value[1:])


def check_account_number(value: str, field: str | None = None, *, opens_account: bool = False) -> str:
    """Return ``value`` if it can name a local account (``+`` and 7-15 ASCII digits), else raise.

    The error names ``field`` after signal-cli's text, when given.

    signal-cli's CLI refuses anything else with :data:`INVALID_ACCOUNT`; its daemon looked such
    a number up and answered "Specified account does not exist". Full-width or Arabic-Indic digits
    could never name an account either way: signal-cli stores accounts in ASCII E.164.
    """
    if not _ACCOUNT_NUMBER.fullmatch(value):
        raise MalformedAccountError(_naming(INVALID_ACCOUNT, field), field, opens_account=opens_account)
    return value


def check_recipient_text(value: str, field: str | None = None) -> str:
    """Refuse a recipient that starts with a plus sign but is no ASCII phone number.

    A leading ``+`` (or ``＋`` and the other forms Unicode folds to it) makes signal-cli read the
    value as a phone number, and its phone number library accepts full-width and other non-ASCII
    digits that the original's checks (:func:`is_phone_number`) do not: the same request reached
    signal-cli as a username in one place and as a number in another. Such a value can never be
    a username (they start with a letter), so it is refused with signal-cli's own text.
    """
    if (value and unicodedata.normalize("NFKC", value[0]) == "+" and not is_phone_number(value)
            and not _is_internal_group_id(value, sizes=(_GROUP_ID_BYTES,))):  # base64 may start with "+"
        raise IdentifierError(_naming(INVALID_PHONE_NUMBER.format(value=value), field))
    return value


def _naming(message: str, field: str | None) -> str:
    return naming_field(message, field) if field else message


def parse_uuid(value: str) -> str | None:
    """Return the canonical lower-case UUID if ``value`` is one, else ``None``.

    Accepted like Go's gofrs ``uuid.FromString``: canonical (8-4-4-4-12), 32 hex
    digits, either of those in braces, or either after ``urn:uuid:``.
    """
    inner = value
    if inner.startswith("urn:uuid:"):
        inner = inner[len("urn:uuid:"):]
    elif inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    hex_digits = _uuid_hex_digits(inner)
    if hex_digits is None:
        return None
    hex_digits = hex_digits.lower()
    return "-".join(
        (hex_digits[:8], hex_digits[8:12], hex_digits[12:16], hex_digits[16:20], hex_digits[20:])
    )


def _uuid_hex_digits(text: str) -> str | None:
    """Return the 32 hex digits of a canonical or hash-like UUID text, else ``None``."""
    if len(text) == 36:
        if any(text[i] != "-" for i in (8, 13, 18, 23)):
            return None
        text = text.replace("-", "")
    if len(text) != 32 or not all(ch in _HEX_DIGITS for ch in text):
        return None
    return text


def internal_to_group_id(internal_id: str) -> str:
    """Convert signal-cli's internal group id to the REST id ``group.<base64>``."""
    return GROUP_PREFIX + base64.b64encode(internal_id.encode("utf-8")).decode("ascii")


def group_id_to_internal(group_id: str) -> str:
    """Return the internal group id for a REST id (``group.`` optional) or an internal id.

    An internal id is recognised by decoding to exactly 32 (or 16, v1) bytes. Otherwise the
    value is decoded once, as the original does, and the text it yields goes to signal-cli,
    which judges it: an unknown or malformed id gets signal-cli's own answer (``Invalid group
    id: Failed to decode groupId …``, ``Group not found: …``). Only a value that does not decode,
    or decodes to no text (not UTF-8, empty, control characters), is refused here with the
    original's ``Invalid group id``.
    """
    stripped = group_id.removeprefix(GROUP_PREFIX)
    if _is_internal_group_id(stripped):
        return stripped
    try:
        inner = decode_std_base64(stripped).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        raise IdentifierError(_MSG_INVALID_GROUP_ID) from None
    if not inner or not inner.isprintable():
        raise IdentifierError(_MSG_INVALID_GROUP_ID)
    return inner


def _is_internal_group_id(
    value: str, sizes: tuple[int, ...] = (_GROUP_ID_BYTES, _LEGACY_GROUP_ID_BYTES)
) -> bool:
    """True if ``value`` is standard base64 of a group identifier of one of ``sizes`` bytes."""
    if not value:
        return False
    try:
        return len(decode_std_base64(value)) in sizes
    except ValueError:
        return False


def classify_recipient(value: str) -> Recipient:
    """Classify one ``/v2/send`` recipient as number, group or username (anchor spec §5.3)."""
    if value.startswith(GROUP_PREFIX):
        return _classify_group_prefixed(value)
    if is_phone_number(value):
        return Recipient(RecipientKind.NUMBER, value)
    canonical = parse_uuid(value)
    if canonical is not None:
        return Recipient(RecipientKind.NUMBER, canonical)
    if _is_internal_group_id(value, sizes=(_GROUP_ID_BYTES,)):
        return Recipient(RecipientKind.GROUP, value)
    if value == "":
        raise IdentifierError(f"Invalid identifier {value}")
    return Recipient(RecipientKind.USERNAME, value)


def _classify_group_prefixed(value: str) -> Recipient:
    """Classify a recipient starting with ``group.`` the way upstream does."""
    tail = value[len(GROUP_PREFIX):]
    try:
        inner = decode_std_base64(tail)
    except ValueError:
        if len(tail.encode("utf-8")) <= _MAX_GROUP_USERNAME_TAIL:
            return Recipient(RecipientKind.USERNAME, value)
        raise IdentifierError(f"Invalid identifier {value}") from None
    try:
        group_bytes = decode_std_base64(inner)
    except ValueError:
        raise IdentifierError(f"Invalid identifier {value}") from None
    if len(group_bytes) != _GROUP_ID_BYTES:
        # The missing ")" is upstream's; clients may match on the exact text.
        raise IdentifierError(f"Invalid Signal group size ({len(group_bytes)}")
    return Recipient(RecipientKind.GROUP, inner.decode("ascii"))


def classify_recipients(values: list[str]) -> RecipientSet:
    """Classify and de-duplicate recipients, then apply the ``/v2/send`` mixing rules."""
    if not values:
        raise IdentifierError(_MSG_NO_RECIPIENT)
    recipients = list(dict.fromkeys(classify_recipient(value) for value in values))
    numbers = [r.value for r in recipients if r.kind is RecipientKind.NUMBER]
    usernames = [r.value for r in recipients if r.kind is RecipientKind.USERNAME]
    groups = [r.value for r in recipients if r.kind is RecipientKind.GROUP]
    _check_mixing(numbers, usernames, groups)
    return RecipientSet(numbers=numbers, usernames=usernames, group=groups[0] if groups else None)


def _check_mixing(numbers: list[str], usernames: list[str], groups: list[str]) -> None:
    """Raise the upstream error for a forbidden mix, in upstream's order."""
    if numbers and groups:
        raise IdentifierError(_MSG_GROUPS_AND_NUMBERS)
    if usernames and groups:
        raise IdentifierError(_MSG_GROUPS_AND_USERNAMES)
    if numbers and usernames:
        raise IdentifierError(_MSG_NUMBERS_AND_USERNAMES)
    if len(groups) > 1:
        raise IdentifierError(_MSG_SEVERAL_GROUPS)


def unescape_path_segment(value: str) -> str:
    """Percent-decode an already-decoded path segment once more, like Go's ``url.PathUnescape``.

    ``%2B49…`` becomes ``+49…`` and ``+`` stays ``+``. Invalid escapes (or a
    result that is not UTF-8) raise ``Couldn't process request - malformed number``.
    """
    if _BAD_ESCAPE.search(value):
        raise IdentifierError(_MSG_MALFORMED_NUMBER)
    try:
        return unquote_to_bytes(value.encode("utf-8")).decode("utf-8")
    except UnicodeDecodeError:
        raise IdentifierError(_MSG_MALFORMED_NUMBER) from None


def restore_plus(value: str) -> str:
    """A number read from a query string: an unencoded ``+`` arrives as a space."""
    return "+" + value[1:] if value.startswith(" ") else value
