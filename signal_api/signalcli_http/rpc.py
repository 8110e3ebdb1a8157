"""``POST /api/v1/rpc``'s JSON-RPC handling, through the backend (so in every mode).

signal-cli's reader checks the request (``signal_api.jsonrpc_wire``); the account is found
as its multi-account daemon finds it (``methods``); then the call goes to
``SignalBackend.call`` and its typed errors become signal-cli's JSON-RPC error codes again.
A batch runs its elements one after another and answers them in that order (one of the orders
signal-cli's concurrent batch may answer in).
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from signal_api import jsonrpc_wire as wire
from signal_api.errors import backend as errors
from signal_api.errors.request import RequestError
from signal_api.signalcli.base import SignalBackend
from signal_api.signalcli_http.methods import (ACCOUNT, MULTI, RECEIVING_REFUSAL, REGISTRATION, local_file_problem,
                                               method_of)

log = logging.getLogger(__name__)

NEEDS_ACCOUNT = "Method requires valid account parameter"
NO_SUCH_ACCOUNT = "Specified account does not exist"
INTERNAL = "An internal server error has occurred."
# signal-cli's own text; the REST API words it differently (errors.backend.UNTRUSTED_MESSAGE).
UNTRUSTED = "Failed to send message due to untrusted identities"

_USER_CODES: tuple[tuple[type[errors.SignalCliError], int], ...] = (
    (errors.UserError, -1),
    (errors.NetworkError, -3),
    (errors.UntrustedIdentityError, -4),
    (errors.RateLimitError, -5),
    (errors.CaptchaRejectedError, -6),
)


class CallError(Exception):
    """A JSON-RPC error answered for one call."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data


class RpcHandler:
    """Answers request bodies of ``POST /api/v1/rpc`` with signal-cli's response objects."""

    def __init__(self, backend: SignalBackend, accounts: Callable[[], list[str]] | None = None) -> None:
        self.backend = backend
        self._list_accounts = accounts or backend.list_accounts
        # One listAccounts per body, not per call (in the subprocess modes each is a process);
        # forgotten after a call that may add or remove an account.
        self._known: list[str] | None = None

    def handle_text(self, text: str) -> Any:
        """The response object (or list) for one body; None when nothing is answered (notifications)."""
        value, error = wire.decode_body(text)
        if error is not None:
            return error
        if not isinstance(value, list):
            return self.handle_one(value, shape_error=wire.shape_error)
        if not value:
            return wire.error_response(wire.INVALID_REQUEST, "invalid request")
        if any(item is None for item in value):
            # What signal-cli 0.13.19 answers (a NullPointerException inside its batch handling).
            return wire.error_response(wire.INTERNAL_ERROR, INTERNAL)
        replies = [self.handle_one(item, shape_error=wire.http_entry_error) for item in value]
        return [reply for reply in replies if reply is not None] or None

    def handle_one(self, req: Any, *, shape_error: Callable[[Any], dict[str, Any] | None]) -> dict[str, Any] | None:
        """The response to one request; None for a notification or a response sent to us.

        ``shape_error`` answers a value that is not an object (its text differs in a batch).
        """
        if not isinstance(req, dict):
            return shape_error(req)
        if wire.is_http_response(req):
            return None
        error = wire.http_request_error(req)
        if error is not None:
            return error
        rid = req.get("id")
        name = req["method"]
        try:
            # Jackson reads a number or boolean method as its text.
            result = self.call(name if isinstance(name, str) else wire.dumps(name), req.get("params"))
            reply = wire.result_response(result, rid)
        except CallError as exc:
            reply = wire.error_response(exc.code, exc.message, exc.data, rid)
        return reply if "id" in req else None

    def call(self, name: str, params: Any) -> Any:
        """Run one method; raises CallError with signal-cli's code and text."""
        method = method_of(name)
        if method is None:
            raise CallError(wire.METHOD_NOT_FOUND, wire.METHOD_NOT_IMPLEMENTED)
        params = params if params is not None else {}
        account = params.pop("account", None) if isinstance(params, dict) else None
        if method.kind == MULTI:
            account = None
        elif method.kind == REGISTRATION:
            account = _opened_account(account)
        elif method.kind == ACCOUNT:
            account = self._registered_account(account)
        if not isinstance(params, dict):
            raise CallError(wire.INVALID_REQUEST, wire.http_array_params_error())
        problem = local_file_problem(name, params)
        if problem:
            raise CallError(wire.INVALID_PARAMS, problem)
        if name == "receive":
            raise CallError(-1, RECEIVING_REFUSAL)
        if method.kind != ACCOUNT or name in ("unregister", "finishChangeNumber"):
            self._known = None
        try:
            return self.backend.call(name, params, account=account)
        except Exception as exc:  # noqa: BLE001 - every failure is a JSON-RPC error, never a 500
            raise as_call_error(exc) from exc

    def _accounts(self) -> list[str]:
        if self._known is None:
            self._known = self._list_accounts()
        return self._known

    def _registered_account(self, account: Any) -> str:
        try:
            accounts = self._accounts()
        except Exception as exc:  # noqa: BLE001
            raise as_call_error(exc) from exc
        if account is None:
            if len(accounts) != 1:
                raise CallError(wire.INVALID_PARAMS, NEEDS_ACCOUNT)
            return accounts[0]
        if not isinstance(account, str) or account not in accounts:
            raise CallError(wire.INVALID_PARAMS, NO_SUCH_ACCOUNT)
        return account


def _opened_account(account: Any) -> str:
    # signal-cli opens (or creates) whatever account it is given; the CLI backend then checks the number.
    if isinstance(account, bool) or not isinstance(account, (str, int)) or account == "":
        raise CallError(wire.INVALID_PARAMS, NEEDS_ACCOUNT)
    return str(account)


def as_call_error(exc: BaseException) -> CallError:
    """The JSON-RPC error signal-cli answers for what the backend raised."""
    if isinstance(exc, errors.InvalidRequestError):
        return CallError(exc.code, exc.message)
    if isinstance(exc, errors.SignalCliError):
        data = {"response": exc.response} if exc.response is not None else None
        for kind, code in _USER_CODES:
            if isinstance(exc, kind):
                return CallError(code, UNTRUSTED if code == -4 else exc.message, data)
        return CallError(wire.INTERNAL_ERROR, exc.message, data)
    if isinstance(exc, RequestError):
        # A value the command line cannot carry (CLI backend): the params are at fault.
        return CallError(wire.INVALID_PARAMS, str(exc))
    log.exception("JSON-RPC call failed unexpectedly", exc_info=exc)
    return CallError(wire.INTERNAL_ERROR, INTERNAL)
