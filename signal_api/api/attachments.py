"""Attachments: the files signal-cli downloaded to ``<SIGNAL_CLI_CONFIG_DIR>/attachments/``.

A name is a single file name (the ``id`` of a received attachment): names with path
separators (also percent-encoded ones, which arrive decoded), ``.``/``..`` or NUL are refused,
and a name that resolves outside the directory (a symlink) is treated as absent, so no request
can read or delete anything else.
"""
from __future__ import annotations

import os
from pathlib import Path

import flask
from flask_smorest import abort

from signal_api.access.accounts import AttachmentOwner, EveryAccount
from signal_api.access.scopes import scope
from signal_api.translate.attachments import served_content_type
from signal_api.extensions import SignalBlueprint
from signal_api.errors.request import RequestError
from signal_api.services import get_services

blp = SignalBlueprint("Attachments", __name__, description="List, serve and delete received attachments")

NOT_FOUND = "No attachment with that name found"


def attachments_dir() -> Path:
    """signal-cli's download directory."""
    return get_services().config.signal_cli_config_dir / "attachments"


def attachment_path(name: str) -> Path:
    """The file of attachment ``name``: 400 for an invalid name, 404 when there is no such file."""
    if not name or name in (".", "..") or any(ch in name for ch in "/\\\0"):
        raise RequestError("Please provide a valid attachment name")
    root = attachments_dir().resolve()
    try:
        path = (root / name).resolve()
        found = path.parent == root and path.is_file()
    except OSError:  # e.g. a name longer than the file system allows: no such file
        found = False
    if not found:
        abort(404, message=NOT_FOUND)
    return path


@blp.route("/v1/attachments", methods=["GET"])
@scope("receive", account=EveryAccount())
@blp.without_signal_cli
@blp.response(200, {"type": "array", "items": {"type": "string"}})
def list_attachments():
    """List all attachments.

    The names of every file under the attachments directory (recursively, base names only).
    """
    names: list[str] = []

    def fail(exc: OSError) -> None:
        raise exc

    root = attachments_dir()
    try:
        if root.is_dir():
            for _, dirs, files in os.walk(root, onerror=fail):
                dirs.sort()
                names += sorted(files)
    except OSError as exc:
        abort(500, message=f"Couldn't get list of attachments: {exc}")
    return flask.jsonify(names)


@blp.route("/v1/attachments/<path:attachment>", methods=["GET"])
@scope("receive", account=AttachmentOwner())
@blp.without_signal_cli
# The Content-Type is sniffed from the bytes: any type.
@blp.response(200, {"type": "string", "format": "binary"}, content_type="*/*")
@blp.alt_response(400, description="Invalid attachment name")
@blp.alt_response(404, description=NOT_FOUND)
def serve_attachment(attachment):
    """Serve Attachment.

    The file's bytes, with a Content-Type sniffed from its content.
    """
    path = attachment_path(attachment)
    try:
        data = path.read_bytes()
    except OSError:
        abort(500, message="Couldn't read attachment - please try again later")
    return flask.Response(data, status=200, content_type=served_content_type(data))


@blp.route("/v1/attachments/<path:attachment>", methods=["DELETE"])
@scope("receive", account=AttachmentOwner())
@blp.without_signal_cli
@blp.response(204)
@blp.alt_response(400, description="Invalid attachment name")
@blp.alt_response(404, description=NOT_FOUND)
def remove_attachment(attachment):
    """Remove attachment.

    Removes the attachment with the given id from the filesystem.
    """
    path = attachment_path(attachment)
    try:
        path.unlink()
    except FileNotFoundError:
        abort(404, message=NOT_FOUND)
    except OSError:
        abort(500, message="Couldn't delete attachment - please try again later")
    return None
