"""Registration, verification, unregistration and the account list, in every mode."""
from __future__ import annotations

from signal_api.qrpng import QrCodeError, go_encoded_bits
from tests.helpers import unknown_account_error

A = "+4915100000001"
B = "+4915100000002"


def test_register_and_verify_make_the_account_listed(api):
    assert api.client.get("/v1/accounts").json == []
    response = api.client.post(f"/v1/register/{A}")
    assert response.status_code == 201
    assert response.data == b""
    assert api.client.get("/v1/accounts").json == []  # registered only after verification
    response = api.client.post(f"/v1/register/{A}/verify/123-456")
    assert response.status_code == 201
    assert api.client.get("/v1/accounts").json == [A]
    assert api.last_call("register")["account"] == A
    assert api.last_call("verify")["params"]["verificationCode"] == "123-456"


def test_register_passes_voice_and_captcha(api):
    response = api.client.post(f"/v1/register/{A}", json={"use_voice": True})
    # As signal-cli: voice verification needs an SMS request first.
    assert response.status_code == 400
    assert "Before requesting voice verification you need to request SMS verification" in response.json["error"]
    assert api.last_call("register")["params"]["voice"] is True
    response = api.client.post(f"/v1/register/{A}", json={"captcha": "signalcaptcha://tok"})
    assert response.status_code == 201
    assert api.last_call("register")["params"]["captcha"] == "signalcaptcha://tok"


def test_a_wrong_verification_code_is_a_400_with_signal_clis_message(api):
    api.client.post(f"/v1/register/{A}")
    response = api.client.post(f"/v1/register/{A}/verify/999999")
    assert response.status_code == 400
    assert response.json["error"]
    assert api.client.get("/v1/accounts").json == []


def test_percent_encoded_numbers_are_accepted(api):
    assert api.client.post("/v1/register/%2B4915100000001").status_code == 201
    assert api.client.post("/v1/register/%252B4915100000001/verify/123456").status_code == 201
    assert api.client.get("/v1/accounts").json == [A]


def test_unregister_and_delete_local_data(api):
    api.register(A)
    api.register(B)
    response = api.client.post(f"/v1/unregister/{A}", json={"delete_local_data": True})
    assert response.status_code == 204
    assert api.client.get("/v1/accounts").json == [B]
    assert api.calls("deleteLocalAccountData")[-1]["account"] == A
    accounts = (api.config_dir / "data" / "accounts.json").read_text()
    assert A not in accounts


def test_unregister_an_unknown_number_is_a_400(api):
    response = api.client.post(f"/v1/unregister/{A}")
    assert response.status_code == 400
    assert response.json == {"error": unknown_account_error(api.mode, A)}


def test_an_invalid_register_body_is_a_400(api):
    response = api.client.post(f"/v1/register/{A}", data='{"use_voice": "maybe"}', content_type="application/json")
    assert response.status_code == 400
    assert "use_voice" in response.json["error"]


# ---------------------------------------------------------------- local data, linking, devices

import json  # noqa: E402
import os  # noqa: E402
import struct  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import zlib  # noqa: E402

import pytest  # noqa: E402
import segno  # noqa: E402

from signal_api.signalcli.linking import wait_until_gone  # noqa: E402

PHONE = "+4915100000009"  # the primary phone that scans the link


def _pending_links(api) -> dict:
    network = json.loads((api.config_dir / "simulator" / "network.json").read_text())
    return network.get("links", {})


def _scan(api, uri: str, number: str = PHONE) -> None:
    proc = api.simulator("simulateLinkScan", "--uri", uri, "--number", number)
    assert proc.returncode == 0, proc.stderr


def _wait_for(predicate, timeout: float = 10) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def _png_modules(png: bytes) -> tuple[int, list[list[bool]]]:
    """Width and the dark modules of our 1-bit PNG, sampled at each 3 px module's centre."""
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    pos, idat, width = 8, b"", 0
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos:pos + 8])
        data = png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", data[:10])
            assert (width, height, depth, color) == (256, 256, 1, 0)
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    raw = zlib.decompress(idat)
    stride = width // 8 + 1
    rows = [raw[y * stride + 1:(y + 1) * stride] for y in range(width)]

    def dark(x: int, y: int) -> bool:
        return not (rows[y][x // 8] >> (7 - x % 8)) & 1

    size = 57  # version 10
    offset = (256 - (size + 8) * 3) // 2 + 4 * 3
    return width, [[dark(offset + 3 * mx + 1, offset + 3 * my + 1) for mx in range(size)] for my in range(size)]


def test_delete_local_data_passes_ignore_registered(api):
    api.register(A)
    response = api.client.delete(f"/v1/devices/{A}/local-data")
    assert response.status_code == 400
    assert "still registered" in response.json["error"]
    response = api.client.delete(f"/v1/devices/{A}/local-data", json={"ignore_registered": True})
    assert response.status_code == 204
    assert api.last_call("deleteLocalAccountData")["params"] == {"ignoreRegistered": True}
    assert api.client.get("/v1/accounts").json == []


def test_qrcodelink_is_a_256px_version_10_h_code_of_the_link_uri(api):
    response = api.client.get("/v1/qrcodelink?device_name=kitchen")
    assert response.status_code == 200
    assert response.content_type == "image/png"
    (link,) = _pending_links(api).values()
    assert link["name"] == "kitchen"
    expected = segno.make_qr(link["uri"], version=10, error="h", boost_error=False)
    assert expected.designator == "10-H"
    width, modules = _png_modules(response.data)
    assert modules == [[bool(v) for v in row] for row in expected.matrix]


def test_link_end_to_end_makes_the_account_usable(api):
    api.register(A)
    response = api.client.get("/v1/qrcodelink/raw?device_name=bot")
    assert response.status_code == 200
    uri = response.json["device_link_uri"]
    assert uri.startswith("sgnl://linkdevice?uuid=")
    _scan(api, uri)
    assert _wait_for(lambda: api.client.get("/v1/accounts").json == [A, PHONE])
    devices = api.client.get(f"/v1/devices/{PHONE}").json
    assert [(d["id"], d["name"]) for d in devices] == [(1, ""), (2, "bot")]
    assert all(isinstance(d["creation_timestamp"], int) and d["last_seen_timestamp"] for d in devices)
    # Served at once, without a restart (json-rpc: by the running daemon).
    response = api.client.post("/v2/send", json={"number": PHONE, "recipients": [A], "message": "from the link"})
    assert response.status_code == 201, response.json
    assert [m["envelope"]["dataMessage"]["message"] for m in api.receive(A)] == ["from the link"]
    if api.backend.transport == "cli":
        assert api.last_call("link")["params"] == {"name": "bot"}
        assert wait_until_gone(api.backend.links, 10)
    else:
        assert api.last_call("finishLink")["params"] == {"deviceLinkUri": uri, "deviceName": "bot"}


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_an_unscanned_link_is_killed_at_the_deadline(make_api, mode):
    api = make_api(mode, SIGNAL_CLI_CMD_TIMEOUT="2")
    assert api.client.get("/v1/qrcodelink/raw?device_name=late").status_code == 200
    if mode == "normal":
        (pid,) = api.backend.links.active()
        assert wait_until_gone(api.backend.links, 6)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # killed and reaped, not a zombie
    else:
        assert _wait_for(lambda: api.calls("finishLink"), 5)
        time.sleep(2.5)  # the background finishLink gave up; the service still answers
        assert api.client.get("/v1/accounts").status_code == 200
    uri = next(iter(_pending_links(api).values()))["uri"]
    proc = api.simulator("simulateLinkScan", "--uri", uri, "--number", PHONE)
    assert proc.returncode == 0  # the phone scans too late: nobody picks the account up in CLI mode
    assert api.client.get("/v1/accounts").json == [PHONE]


def test_the_link_process_is_reaped_after_a_failure(make_api):
    api = make_api("normal")
    (api.config_dir / "simulator").mkdir(parents=True, exist_ok=True)
    (api.config_dir / "simulator" / "faults.json").write_text(json.dumps({"link_timeout": 0.3}))
    assert api.client.get("/v1/qrcodelink/raw?device_name=x").status_code == 200
    assert wait_until_gone(api.backend.links, 10)


def test_a_link_that_fails_at_once_is_a_400(make_api):
    api = make_api("normal")
    (api.config_dir / "simulator").mkdir(parents=True, exist_ok=True)
    (api.config_dir / "simulator" / "faults.json").write_text(
        json.dumps({"link": {"exit": 3, "message": "Link request error: Connection closed!"}}))
    response = api.client.get("/v1/qrcodelink/raw?device_name=x")
    assert response.status_code == 400
    assert response.json == {"error": "Couldn't create link URI: Link request error: Connection closed!"}
    assert api.backend.links.active() == []


@pytest.mark.parametrize("url, message", [
    ("/v1/qrcodelink", "Please provide a name for the device"),
    ("/v1/qrcodelink?device_name=", "Please provide a name for the device"),
    ("/v1/qrcodelink/raw", "Please provide a name for the device"),
    ("/v1/qrcodelink?device_name=x&qrcode_version=ten", "The qrcode_version parameter needs to be an integer!"),
    ("/v1/qrcodelink?device_name=x&qrcode_version=1.5", "The qrcode_version parameter needs to be an integer!"),
    ("/v1/qrcodelink?device_name=x&qrcode_version=0", "Couldn't create QR code: Invalid version 0 (expected 1-40 inclusive)"),
    ("/v1/qrcodelink?device_name=x&qrcode_version=41",
     "Couldn't create QR code: Invalid version 41 (expected 1-40 inclusive)"),
])


def test_qrcodelink_validation(make_api, url, message):
    api = make_api("normal")
    response = api.client.get(url)
    assert response.status_code == 400
    assert response.json == {"error": message}
    assert api.calls() == []  # nothing was started


def test_a_qr_version_too_small_for_the_uri_is_a_400(make_api):
    api = make_api("normal")
    response = api.client.get("/v1/qrcodelink?device_name=x&qrcode_version=2")
    assert response.status_code == 400
    (link,) = _pending_links(api).values()
    bits = go_encoded_bits(link["uri"].encode(), 2)  # counted as go-qrcode counts: see the tests below
    assert response.json == {"error": "Couldn't create QR code: Cannot encode QR code: content too large for fixed "
                                      f"size QR Code version 2 (encoded length is {bits} bits, maximum length is "
                                      "128 bits)"}
    response = api.client.get("/v1/qrcodelink?device_name=x&qrcode_version=%2B12")
    assert response.status_code == 200


@pytest.mark.parametrize(("data", "version", "bits"), [
    (b"01234567", 1, 4 + 10 + 20 + 7),            # digits: 10 bits per three, 7 for the last two
    (b"HELLO WORLD", 1, 4 + 9 + 55 + 6),          # alphanumerics: 11 bits per two, 6 for the last
    (b"a" + b"1" * 20 + b"b", 1, 20 + 81 + 20),   # a long digit run stays its own segment
    (b"a1b", 1, 12 + 24),                         # ...a short one is cheaper inside the byte segment
    (b"HELLO WORLD", 10, 4 + 11 + 55 + 6),        # versions 10-26 have longer count indicators
    (b"a" * 300, 27, 4 + 16 + 2400),
])
def test_the_encoded_length_is_counted_as_go_qrcode_counts_it(data, version, bits):
    assert go_encoded_bits(data, version) == bits


def test_a_run_longer_than_its_count_indicator_is_refused_as_go_qrcode_refuses_it():
    with pytest.raises(QrCodeError, match="length too long to be represented"):
        go_encoded_bits(b"a" * 256, 9)


def test_add_list_and_remove_devices(api):
    api.register(A)
    uri = "sgnl://linkdevice?uuid=abcdefghijklmnop&pub_key=BQxyz"
    response = api.client.post(f"/v1/devices/{A}", json={"uri": uri})
    assert response.status_code == 204
    assert api.last_call("addDevice")["params"] == {"uri": uri}
    devices = api.client.get(f"/v1/devices/{A}").json
    assert [d["id"] for d in devices] == [1, 2]
    assert api.last_call("listDevices")["account"] == A
    response = api.client.delete(f"/v1/devices/{A}/2")
    assert response.status_code == 204
    assert api.last_call("removeDevice")["params"] == {"deviceId": 2}
    assert [d["id"] for d in api.client.get(f"/v1/devices/{A}").json] == [1]
    response = api.client.delete(f"/v1/devices/{A}/5")
    assert response.status_code == 400
    assert "Device 5 not found" in response.json["error"]


def test_add_device_with_an_invalid_uri_is_signal_clis_400(api):
    api.register(A)
    response = api.client.post(f"/v1/devices/{A}", json={"uri": "https://example.com"})
    assert response.status_code == 400
    assert response.json == {"error": "Invalid device link"}


def test_device_validation(make_api):
    api = make_api("normal")
    response = api.client.delete(f"/v1/devices/{A}/abc")
    assert (response.status_code, response.json) == (400, {"error": "deviceId must be numeric"})
    response = api.client.delete(f"/v1/devices/{A}/99999999999999999999")
    assert (response.status_code, response.json) == (400, {"error": "deviceId must be numeric"})
    response = api.client.post(f"/v1/devices/{A}", json={"uri": 5})
    assert (response.status_code, response.json) == (
        400, {"error": "Couldn't process request - invalid request: uri: expected a JSON string"})
    response = api.client.delete(f"/v1/devices/{A}/local-data", json={"ignore_registered": "x"})
    assert (response.status_code, response.json) == (
        400, {"error": "Couldn't process request - invalid request: ignore_registered: expected true or false"})
    assert api.calls() == []


# ---------------------------------------------------------------- bounded links

LINK_COMMAND = {"normal": "link", "json-rpc": "startLink"}


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_links_beyond_the_limit_are_429_with_retry_after(make_api, mode):
    api = make_api(mode)  # the default limit: 3
    answers = [api.client.get(f"/v1/qrcodelink?device_name=device{i}") for i in range(25)]
    assert [r.status_code for r in answers] == [200] * 3 + [429] * 22
    refused = answers[-1]
    assert refused.json == {"error": "Too many device links are waiting to be scanned (at most 3); "
                                     "scan one or try again later"}
    # SIGNAL_CLI_CMD_TIMEOUT is 30 here: the first waiting link gives up within that.
    assert 1 <= int(refused.headers["Retry-After"]) <= 30
    assert len(api.calls(LINK_COMMAND[mode])) == 3
    if mode == "normal":
        assert len(api.backend.links.active()) == 3
    # A scanned link frees its place.
    _scan(api, next(iter(_pending_links(api).values()))["uri"])
    assert _wait_for(lambda: api.client.get("/v1/qrcodelink/raw?device_name=late").status_code == 200)
    assert len(api.calls(LINK_COMMAND[mode])) == 4


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_a_second_request_for_a_waiting_device_name_reuses_its_link(make_api, mode):
    api = make_api(mode, SIGNAL_API_MAX_CONCURRENT_LINKS="1")
    uri = api.client.get("/v1/qrcodelink/raw?device_name=kitchen").json["device_link_uri"]
    assert api.client.get("/v1/qrcodelink/raw?device_name=kitchen").json == {"device_link_uri": uri}
    response = api.client.get("/v1/qrcodelink?device_name=kitchen")
    assert response.status_code == 200
    expected = segno.make_qr(uri, version=10, error="h", boost_error=False)
    assert _png_modules(response.data)[1] == [[bool(v) for v in row] for row in expected.matrix]
    assert len(api.calls(LINK_COMMAND[mode])) == 1
    if mode == "normal":
        assert len(api.backend.links.active()) == 1
    # Reusing does not take a place: another name is still refused.
    assert api.client.get("/v1/qrcodelink/raw?device_name=hall").status_code == 429


@pytest.mark.parametrize("mode", ["normal", "json-rpc"])
def test_simultaneous_requests_for_one_device_name_share_one_link(make_api, mode):
    api = make_api(mode)
    uris: list[str] = []

    def ask() -> None:
        uris.append(api.app.test_client().get("/v1/qrcodelink/raw?device_name=door").json["device_link_uri"])

    threads = [threading.Thread(target=ask) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(uris) == 6 and len(set(uris)) == 1
    assert len(api.calls(LINK_COMMAND[mode])) == 1


def test_a_missing_device_uri_is_signal_clis_to_judge(make_api):
    """The original checks no URI: signal-cli answers an empty one."""
    api = make_api("normal")
    api.register(A)
    response = api.client.post(f"/v1/devices/{A}", json={})
    assert (response.status_code, response.json) == (400, {"error": "Invalid device link"})
    assert api.last_call("addDevice")["params"] == {"uri": ""}
