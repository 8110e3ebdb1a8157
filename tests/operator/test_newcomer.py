"""The newcomer path: the docs are where a browser lands, and a webhook that would never fire is announced."""
from __future__ import annotations

import logging

import pytest

from signal_api.app import create_app, start_background, stop_background
from tests.conftest import env_for


@pytest.mark.parametrize("path", ["/", "/swagger", "/swagger/"])
def test_the_root_and_swagger_folder_redirect_to_the_swagger_ui(tmp_path, path):
    client = create_app(env_for("normal", tmp_path), testing=True).test_client()
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"] == "/swagger/index.html"
    assert client.get(response.headers["Location"]).status_code == 200


WARNING = "webhooks fire only then"


@pytest.mark.parametrize("mode, extra, warned", [
    ("normal", {}, True),
    ("native", {}, True),
    ("normal", {"AUTO_RECEIVE_SCHEDULE": "*/1 * * * *"}, False),
    ("json-rpc", {}, False),
])
def test_a_webhook_without_anything_that_receives_is_announced_at_start(tmp_path, caplog, mode, extra, warned):
    app = create_app(env_for(mode, tmp_path, RECEIVE_WEBHOOK_URL="http://127.0.0.1:9/hook", **extra), testing=True)
    with caplog.at_level(logging.WARNING, logger="signal_api"):
        start_background(app)
    try:
        messages = [r.getMessage() for r in caplog.records if WARNING in r.getMessage()]
        assert bool(messages) == warned
        if warned:
            assert "AUTO_RECEIVE_SCHEDULE" in messages[0] and "MODE=json-rpc" in messages[0]
    finally:
        stop_background(app)


def test_no_webhook_no_warning(tmp_path, caplog):
    app = create_app(env_for("normal", tmp_path), testing=True)
    with caplog.at_level(logging.WARNING, logger="signal_api"):
        start_background(app)
    stop_background(app)
    assert not [r for r in caplog.records if WARNING in r.getMessage()]
