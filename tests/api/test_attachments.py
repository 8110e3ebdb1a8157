"""Attachments: list, serve and delete the files signal-cli downloaded, behind a path guard."""
from __future__ import annotations

import os

import pytest

A = "+4915100000001"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
PDF = b"%PDF-1.4 test"


@pytest.fixture
def normal(make_api):
    api = make_api("normal")
    folder = api.config_dir / "attachments"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pic1").write_bytes(PNG)
    (folder / "doc.pdf").write_bytes(PDF)
    return api


def test_a_received_attachment_is_listed_served_and_deleted(api, tmp_path):
    api.register(A)
    source = tmp_path / "photo.png"
    source.write_bytes(PNG)
    proc = api.simulator("-a", A, "simulateReceive", "--from", "+4930111111", "-a", str(source))
    assert proc.returncode == 0, proc.stderr
    (message,) = api.receive(A)
    (attachment,) = message["envelope"]["dataMessage"]["attachments"]
    name = attachment["id"]
    assert api.client.get("/v1/attachments").json == [name]
    response = api.client.get(f"/v1/attachments/{name}")
    assert response.status_code == 200
    assert response.data == PNG
    assert response.headers["Content-Type"] == "image/png"
    assert response.headers["Content-Length"] == str(len(PNG))
    assert "Content-Disposition" not in response.headers
    response = api.client.delete(f"/v1/attachments/{name}")
    assert (response.status_code, response.data) == (204, b"")
    assert not (api.config_dir / "attachments" / name).exists()
    assert api.client.get("/v1/attachments").json == []


def test_list_is_recursive_base_names_and_empty_without_the_folder(make_api):
    api = make_api("normal")
    assert api.client.get("/v1/attachments").json == []
    nested = api.config_dir / "attachments" / "sub"
    nested.mkdir(parents=True)
    (nested / "inner.bin").write_bytes(b"x")
    (api.config_dir / "attachments" / "top.bin").write_bytes(b"y")
    assert api.client.get("/v1/attachments").json == ["top.bin", "inner.bin"]


def test_the_content_type_is_sniffed_from_the_content(normal):
    response = normal.client.get("/v1/attachments/doc.pdf")
    assert response.headers["Content-Type"] == "application/pdf"
    (normal.config_dir / "attachments" / "fake.png").write_bytes(PDF)
    assert normal.client.get("/v1/attachments/fake.png").headers["Content-Type"] == "application/pdf"


@pytest.mark.parametrize(("data", "content_type"), [
    (b"an attachment\n", "text/plain; charset=utf-8"),
    ("grüße\r\n\tund tschüss".encode(), "text/plain; charset=utf-8"),
    (b"text\x00with a NUL", "application/octet-stream"),
    (b"\x01\x02\x03", "application/octet-stream"),
])
def test_text_is_served_as_text_and_unknown_bytes_as_binary(normal, data, content_type):
    """As the original's sniffer: text without control bytes is text/plain, anything else unknown is binary."""
    (normal.config_dir / "attachments" / "file").write_bytes(data)
    response = normal.client.get("/v1/attachments/file")
    assert (response.status_code, response.headers["Content-Type"], response.data) == (200, content_type, data)


@pytest.mark.parametrize("method", ["get", "delete"])
def test_an_unknown_attachment_is_a_404(normal, method):
    response = getattr(normal.client, method)("/v1/attachments/nope")
    assert (response.status_code, response.json) == (404, {"error": "No attachment with that name found"})


@pytest.mark.parametrize("method", ["get", "delete"])
@pytest.mark.parametrize("name", [
    "..", "../signal-cli/data/accounts.json", "..%2Fdata%2Faccounts.json", "%2Fetc%2Fpasswd", "/etc/passwd",
    "sub/pic1", "..%5Cpic1", "%2E%2E", "pic1%00",
])
def test_the_path_guard_refuses_anything_but_a_file_name(normal, method, name):
    secret = normal.config_dir / "data"
    secret.mkdir(exist_ok=True)
    (secret / "accounts.json").write_text("secret")
    # A doubled slash is first redirected to the merged path (nothing is touched), then refused.
    response = getattr(normal.client, method)(f"/v1/attachments/{name}", follow_redirects=True)
    assert response.status_code == 400
    assert response.json == {"error": "Please provide a valid attachment name"}
    assert (secret / "accounts.json").read_text() == "secret"


@pytest.mark.parametrize("method", ["get", "delete"])
def test_a_symlink_out_of_the_folder_is_not_followed(normal, method, tmp_path):
    outside = tmp_path / "outside.txt"
    outside.write_text("secret")
    os.symlink(outside, normal.config_dir / "attachments" / "link")
    response = getattr(normal.client, method)("/v1/attachments/link")
    assert response.status_code == 404
    assert outside.read_text() == "secret"
