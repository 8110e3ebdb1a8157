"""Tests for phone numbers, UUIDs, group ids and recipient classification (anchor spec §4, §5, §7)."""
from __future__ import annotations

import base64

import pytest

from signal_api.translate.identifiers import (
    IdentifierError,
    Recipient,
    RecipientKind,
    RecipientSet,
    check_recipient_text,
    classify_recipient,
    classify_recipients,
    group_id_to_internal,
    internal_to_group_id,
    is_phone_number,
    parse_uuid,
    unescape_path_segment,
)

INTERNAL = "Pmpi+EfPWmsxiomLe9Nx2XF9HOE483p6iKiFj65iMwI="
REST = "group.UG1waStFZlBXbXN4aW9tTGU5TngyWEY5SE9FNDgzcDZpS2lGajY1aU13ST0="
OTHER_INTERNAL = base64.b64encode(bytes(range(32))).decode()
OTHER_REST = "group." + base64.b64encode(OTHER_INTERNAL.encode()).decode()
V1_INTERNAL = "AAECAwQFBgcICQoLDA0ODw=="
V1_REST = "group.QUFFQ0F3UUZCZ2NJQ1FvTERBME9Edz09"
UUID = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"

MSG_GROUPS_NUMBERS = (
    "Signal Messenger Groups and phone numbers cannot be specified together in one request! "
    "Please split them up into multiple REST API calls."
)
MSG_GROUPS_USERNAMES = (
    "Signal Messenger Groups and usernames cannot be specified together in one request! "
    "Please split them up into multiple REST API calls."
)
MSG_NUMBERS_USERNAMES = (
    "Signal Messenger phone numbers and usernames cannot be specified together in one request! "
    "Please split them up into multiple REST API calls."
)
MSG_TWO_GROUPS = (
    "A signal message cannot be sent to more than one group at once! "
    "Please use multiple REST API calls for that."
)


# ---- phone numbers -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["+4915112345678", "+", "+ 1234 5678", "+1 "])
def test_phone_numbers(value: str) -> None:
    assert is_phone_number(value)


@pytest.mark.parametrize(
    "value", ["4915112345678", "+49-151", "+49a", "++49", "+４９", "0049", " +49", "+49\n"]
)
def test_not_phone_numbers(value: str) -> None:
    assert not is_phone_number(value)


def test_empty_string_is_not_a_phone_number() -> None:
    # Deliberate fix: upstream's IsPhoneNumber("") is true.
    assert not is_phone_number("")


# ---- UUIDs ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        UUID,
        UUID.upper(),
        UUID.replace("-", ""),
        "{" + UUID + "}",
        "{" + UUID.replace("-", "") + "}",
        "urn:uuid:" + UUID,
        "urn:uuid:" + UUID.replace("-", "").upper(),
    ],
)
def test_parse_uuid_accepted_forms(value: str) -> None:
    assert parse_uuid(value) == UUID


@pytest.mark.parametrize(
    "value",
    [
        "",
        UUID[:-1],
        UUID + "0",
        UUID.replace("-", "_"),
        "6ba7b8109-dad-11d1-80b4-00c04fd430c8",
        "{" + UUID,
        "(" + UUID + ")",
        "URN:UUID:" + UUID,
        "urn:uuid:{" + UUID + "}",
        UUID.replace("6", "g"),
        "+" + UUID[1:],
    ],
)
def test_parse_uuid_rejects(value: str) -> None:
    assert parse_uuid(value) is None


# ---- group ids -----------------------------------------------------------------------


def test_group_id_round_trip_spec_example() -> None:
    assert internal_to_group_id(INTERNAL) == REST
    assert len(REST) == 66
    assert group_id_to_internal(REST) == INTERNAL


@pytest.mark.parametrize(
    ("given", "internal"),
    [
        (REST, INTERNAL),
        (REST.removeprefix("group."), INTERNAL),
        (INTERNAL, INTERNAL),
        ("group." + INTERNAL, INTERNAL),
        (V1_REST, V1_INTERNAL),
        (V1_REST.removeprefix("group."), V1_INTERNAL),
        (V1_INTERNAL, V1_INTERNAL),
    ],
)
def test_group_id_to_internal_accepts_both_forms(given: str, internal: str) -> None:
    assert group_id_to_internal(given) == internal


@pytest.mark.parametrize(
    "value",
    [
        "",
        "group.",
        "group.!!!",
        "not base64",
        REST[:-1],
        base64.b64encode(bytes(20)).decode(),
        "group." + base64.b64encode(b"\xff\xfe").decode(),
        "group." + base64.b64encode(b"ab\ncd").decode(),
        "group." + base64.b64encode(b"ab\x00").decode(),
    ],
)
def test_group_id_to_internal_rejects(value: str) -> None:
    with pytest.raises(IdentifierError) as info:
        group_id_to_internal(value)
    assert str(info.value) == "Invalid group id"


@pytest.mark.parametrize("text", ["hello", "foo", "Zm9vYmFy", "not a group"])
def test_group_id_to_internal_leaves_a_decoded_text_to_signal_cli(text: str) -> None:
    # As the original: decoded once, then signal-cli judges it (and says why it is no group id).
    assert group_id_to_internal("group." + base64.b64encode(text.encode()).decode()) == text


# ---- single recipient ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("+4915112345678", Recipient(RecipientKind.NUMBER, "+4915112345678")),
        ("+ 1234 5678", Recipient(RecipientKind.NUMBER, "+ 1234 5678")),
        (UUID, Recipient(RecipientKind.NUMBER, UUID)),
        ("{" + UUID.upper() + "}", Recipient(RecipientKind.NUMBER, UUID)),
        ("urn:uuid:" + UUID, Recipient(RecipientKind.NUMBER, UUID)),
        (REST, Recipient(RecipientKind.GROUP, INTERNAL)),
        ("alice.42", Recipient(RecipientKind.USERNAME, "alice.42")),
        ("group.42", Recipient(RecipientKind.USERNAME, "group.42")),
        ("group.abc.123", Recipient(RecipientKind.USERNAME, "group.abc.123")),
        ("4915112345678", Recipient(RecipientKind.USERNAME, "4915112345678")),
    ],
)
def test_classify_recipient(value: str, expected: Recipient) -> None:
    assert classify_recipient(value) == expected


def test_raw_internal_group_id_is_a_group() -> None:
    # Deliberate fix: upstream treated this as a username.
    assert classify_recipient(INTERNAL) == Recipient(RecipientKind.GROUP, INTERNAL)


def test_raw_v1_internal_id_stays_a_username() -> None:
    # Only 32-byte (v2) ids are groups in /v2/send, as upstream's size check.
    assert classify_recipient(V1_INTERNAL).kind is RecipientKind.USERNAME


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (V1_REST, "Invalid Signal group size (16"),
        ("group." + base64.b64encode(base64.b64encode(bytes(8))).decode(), "Invalid Signal group size (8"),
        ("group.", "Invalid Signal group size (0"),
        ("group.this-is-no-base64", "Invalid identifier group.this-is-no-base64"),
        # The first decode works, the second does not.
        ("group." + base64.b64encode(b"hello!").decode(), "Invalid identifier group.aGVsbG8h"),
        ("group." + INTERNAL, "Invalid identifier group." + INTERNAL),
        ("", "Invalid identifier "),
    ],
)
def test_classify_recipient_errors(value: str, message: str) -> None:
    with pytest.raises(IdentifierError) as info:
        classify_recipient(value)
    assert str(info.value) == message


# ---- recipient sets ------------------------------------------------------------------


def test_classify_recipients_requires_one() -> None:
    with pytest.raises(IdentifierError) as info:
        classify_recipients([])
    assert str(info.value) == "Please provide at least one recipient"


def test_classify_recipients_numbers_and_uuids() -> None:
    result = classify_recipients(["+491", UUID.upper(), "+492"])
    assert result == RecipientSet(numbers=["+491", UUID, "+492"], usernames=[], group=None)


def test_classify_recipients_usernames() -> None:
    expected = RecipientSet(numbers=[], usernames=["a.1", "b.2"], group=None)
    assert classify_recipients(["a.1", "b.2"]) == expected


def test_classify_recipients_single_group() -> None:
    assert classify_recipients([REST]) == RecipientSet(numbers=[], usernames=[], group=INTERNAL)


def test_duplicates_collapse_keeping_first_order() -> None:
    result = classify_recipients(["+492", "+491", "+492", UUID, "{" + UUID + "}"])
    assert result.numbers == ["+492", "+491", UUID]
    assert classify_recipients([REST, REST, INTERNAL]).group == INTERNAL


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([REST, "+491"], MSG_GROUPS_NUMBERS),
        (["+491", REST], MSG_GROUPS_NUMBERS),
        ([UUID, REST], MSG_GROUPS_NUMBERS),
        ([REST, "alice.1"], MSG_GROUPS_USERNAMES),
        (["+491", "alice.1"], MSG_NUMBERS_USERNAMES),
        ([REST, OTHER_REST], MSG_TWO_GROUPS),
        ([REST, OTHER_INTERNAL], MSG_TWO_GROUPS),
        # Upstream checks numbers+groups before anything else.
        ([REST, OTHER_REST, "+491", "alice.1"], MSG_GROUPS_NUMBERS),
        ([REST, OTHER_REST, "alice.1"], MSG_GROUPS_USERNAMES),
    ],
)
def test_mixing_rules(values: list[str], message: str) -> None:
    with pytest.raises(IdentifierError) as info:
        classify_recipients(values)
    assert str(info.value) == message


def test_first_classification_error_aborts() -> None:
    with pytest.raises(IdentifierError) as info:
        classify_recipients(["+491", "group.this-is-no-base64", V1_REST])
    assert str(info.value) == "Invalid identifier group.this-is-no-base64"


# ---- path segments -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("segment", "expected"),
    [
        ("+4915112345678", "+4915112345678"),
        ("%2B4915112345678", "+4915112345678"),
        ("%2b49", "+49"),
        ("%252B49", "%2B49"),
        ("%20", " "),
        ("%C3%BC", "ü"),
        ("a+b", "a+b"),
        ("", ""),
    ],
)
def test_unescape_path_segment(segment: str, expected: str) -> None:
    assert unescape_path_segment(segment) == expected


def test_double_encoded_plus_after_flask_decoding() -> None:
    # The client sent "%252B49"; Flask already turned it into "%2B49".
    assert unescape_path_segment("%2B49") == "+49"


@pytest.mark.parametrize("segment", ["%", "%2", "%zz", "+49%", "%2G", "%C3"])
def test_unescape_path_segment_rejects(segment: str) -> None:
    with pytest.raises(IdentifierError) as info:
        unescape_path_segment(segment)
    assert str(info.value) == "Couldn't process request - malformed number"


def test_an_internal_group_id_starting_with_a_plus_is_no_malformed_number() -> None:
    # One group id in 64 starts with "+" (seen as a flaky reaction test); it is a group, not a number.
    internal = "+" + base64.b64encode(bytes(32)).decode()[1:]
    assert check_recipient_text(internal, "recipient") == internal
    assert classify_recipient(internal) == Recipient(RecipientKind.GROUP, internal)
    with pytest.raises(IdentifierError):
        check_recipient_text("+49abc", "recipient")
