"""signal-cli's JSON-RPC protocol (signal-cli.md §5): framing-independent request handling.

``RpcServer`` holds what all connections of one process share (mode, account, receive hub,
subscription ids).  ``RpcSession`` is one connection (stdin/stdout, one socket, or one HTTP
request): it parses lines, runs every request on a thread of its own (so replies may come out of
order, as with the real daemon; quick sends excepted, see ``INLINE_METHODS``) and writes compact
single-line JSON through ``write``.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from typing import Any

from signal_api.jsonrpc_wire import (decode, dumps, error_response, is_response, params_error, result_response,
                                     shape_error)

from . import execution, faults, network, state, workers
from .commands import REGISTRY, Context, params_from_rpc
from .errors import CommandError, RpcError, UserError
from .receiver import ReceiveHub


#: Methods a connection's reader runs itself instead of handing them to a worker, unless a fault
#: is set for them: they wait for nothing but the state lock, and a hand-over costs as much as a
#: send.  Requests behind one of them on the same connection wait for it.
INLINE_METHODS = frozenset({"send", "sendReaction", "sendReceipt", "sendTyping", "remoteDelete", "version"})


class RpcServer:
    """Process-wide JSON-RPC state shared by all sessions."""

    def __init__(self, config_dir: str, account: str | None, receive_mode: str, receive_flags: dict,
                 trust: str | None, hub: ReceiveHub) -> None:
        self.config_dir = config_dir
        self.account = account          # single-account mode when set
        self.receive_mode = receive_mode
        self.receive_flags = receive_flags
        self.trust = trust
        self.hub = hub


class RpcSession:
    """One JSON-RPC connection."""

    def __init__(self, server: RpcServer, write: Callable[[str], None], http: bool = False) -> None:
        self.server = server
        self.http = http
        self.receive_flags = server.receive_flags
        self._write = write
        self._write_lock = threading.Lock()
        self._inflight = 0
        self._idle = threading.Condition()
        self._subscriptions: dict[int, int] = {}   # subscription id -> hub listener id
        self._auto_listener: int | None = None
        self.closed = False
        if not http and server.receive_mode != "manual":
            server.hub.next_subscription_id()  # the internal auto-subscription consumes an id
            self._auto_listener = server.hub.add_listener(server.account, self._notify)

    # ------------------------------------------------------------ IO

    def send(self, obj: Any) -> None:
        if self.closed:
            return
        with self._write_lock:
            try:
                self._write(dumps(obj))
            except OSError:
                self.closed = True

    def feed_line(self, line: str) -> None:
        """Handle one complete request line on a thread of its own (quick ones on the caller's)."""
        request = self.take_line(line)
        if request is not None:
            run_quick([(self, request)])

    def take_line(self, line: str) -> dict | None:
        """Hand the line's request to a worker; a quick one (``INLINE_METHODS``) is returned instead,
        for the caller to run with ``handle_request``."""
        value, error = decode(line)
        if error is None and isinstance(value, dict) and value.get("method") in INLINE_METHODS and \
                not faults.fault_for(self.server.config_dir, value["method"]):
            return value
        with self._idle:
            self._inflight += 1
        workers.POOL.submit(self._run_decoded, value, error)
        return None

    def handle_request(self, request: dict) -> Any:
        """The reply to one decoded request (None for a notification)."""
        return self._handle_one(request)

    def reply(self, reply: Any) -> None:
        if reply is not None:
            self.send(reply)

    def _run_decoded(self, value: Any, error: dict | None) -> None:
        try:
            self.reply(self._handle_value(value, error))
        finally:
            with self._idle:
                self._inflight -= 1
                if not self._inflight:
                    self._idle.notify_all()

    def wait_idle(self) -> None:
        """Block until every in-flight request has finished."""
        with self._idle:
            self._idle.wait_for(lambda: not self._inflight)

    def close(self) -> None:
        self.closed = True
        hub = self.server.hub
        if self._auto_listener is not None:
            hub.remove_listener(self._auto_listener)
        for listener in self._subscriptions.values():
            hub.remove_listener(listener)
        self._subscriptions.clear()

    # ------------------------------------------------------------ protocol

    def handle_text(self, text: str) -> Any:
        """Process one request or batch text; return the reply object, or None for no reply."""
        return self._handle_value(*decode(text))

    def _handle_value(self, value: Any, error: dict | None) -> Any:
        if error is not None:
            return error
        if isinstance(value, list):
            return self._handle_batch(value)
        return self._handle_one(value)

    def _handle_batch(self, items: list) -> Any:
        if not items:
            return error_response(-32600, "invalid request")
        replies: list[Any] = []
        lock = threading.Lock()

        def work(item: Any) -> None:
            reply = self._handle_one(item)
            if reply is not None:
                with lock:
                    replies.append(reply)

        done = threading.Semaphore(0)

        def run(item: Any) -> None:
            try:
                work(item)
            finally:
                done.release()

        for item in items:
            workers.POOL.submit(run, item)
        for _ in items:
            done.acquire()
        return replies or None

    def _handle_one(self, req: Any) -> Any:
        if is_response(req):
            return None  # a response sent to us: ignored
        error = shape_error(req)
        if error is not None:
            return error
        rid = req.get("id")
        params = req.get("params")
        is_notification = "id" not in req
        try:
            problem = params_error(req["method"], params)
            if problem:
                raise RpcError(-32600, problem)
            result = self.dispatch(req["method"], params)
            reply = result_response(result, rid)
        except RpcError as exc:
            reply = error_response(exc.code, exc.message, exc.data, rid)
        except CommandError as exc:
            data = {"response": exc.response} if exc.response is not None else None
            if exc.trace:
                print(exc.trace, file=sys.stderr, flush=True)
            reply = error_response(exc.rpc_code, exc.rpc_message, data, rid)
        except Exception as exc:  # noqa: BLE001 - any bug becomes -32603 like an uncaught Java exception
            traceback.print_exc(file=sys.stderr)
            reply = error_response(-32603, f"{exc} ({type(exc).__name__})", None, rid)
        return None if is_notification else reply

    # ------------------------------------------------------------ methods

    def dispatch(self, method: str, raw: Any) -> Any:
        if method == "subscribeReceive" and not self.http:
            return self._subscribe(raw or {})
        if method == "unsubscribeReceive" and not self.http:
            return self._unsubscribe(raw)
        cmd = REGISTRY.get(method)
        single = self.server.account
        if cmd is None or not cmd.rpc or cmd.func is None or (
                single and cmd.scope in ("multi", "registration")):
            raise RpcError(-32601, "Method not implemented")
        raw = dict(raw or {})
        account_param = raw.pop("account", None)
        ctx = Context(config_dir=self.server.config_dir, via="jsonrpc", session=self)
        if cmd.scope == "registration":
            if not network.is_e164(account_param):
                raise RpcError(-32602, "Method requires valid account parameter")
            ctx.number = account_param
        elif cmd.scope == "account":
            ctx.account = self._account_for(account_param)
        params = params_from_rpc(cmd, raw)
        if method == "receive":
            self._check_manual_receive(ctx.account["number"])
        trust = raw.get("trustNewIdentities", self.server.trust)
        return execution.run(cmd, ctx, params, trust=trust)

    def _account_for(self, account_param: Any) -> dict:
        cfg = self.server.config_dir
        if self.server.account:
            account = state.find_account(cfg, self.server.account)
            if account is None or not account.get("registered"):
                raise UserError(f"User {self.server.account} is not registered.")
            return account
        if account_param is not None:
            account = state.find_account(cfg, account_param)
            if account is None or not account.get("registered"):
                raise RpcError(-32602, "Specified account does not exist")
            return account
        accounts = state.registered_accounts(cfg)
        if len(accounts) != 1:
            raise RpcError(-32602, "Method requires valid account parameter")
        return accounts[0]

    def _check_manual_receive(self, number: str) -> None:
        hub = self.server.hub
        if self.server.receive_mode != "manual" or hub.has_listener(number):
            raise UserError("Receive command cannot be used if messages are already being received.")

    def _subscribe(self, raw: Any) -> int:
        if not isinstance(raw, dict):
            raise RpcError(-32600, "Cannot deserialize value of type `java.util.LinkedHashMap` from Array value")
        account = self.server.account
        if not account and raw.get("account") is not None:
            account = self._account_for(raw["account"])["number"]
        hub = self.server.hub
        sub_id = hub.next_subscription_id()
        self._subscriptions[sub_id] = hub.add_listener(
            account, lambda item: self.send({"jsonrpc": "2.0", "method": "receive",
                                             "params": {"subscription": sub_id, "result": item}}))
        return sub_id

    def _unsubscribe(self, raw: Any) -> dict:
        sub_id = raw[0] if isinstance(raw, list) and raw else (raw or {}).get("subscription") \
            if isinstance(raw, (dict, type(None))) else None
        if sub_id is None:
            if not self.server.account or not self._subscriptions:
                raise UserError("Missing subscription parameter with subscription id")
            sub_id = next(iter(self._subscriptions))
        listener = self._subscriptions.pop(sub_id, None)
        if listener is None:
            raise UserError("Unknown subscription id")
        self.server.hub.remove_listener(listener)
        return {}

    def _notify(self, item: dict) -> None:
        self.send({"jsonrpc": "2.0", "method": "receive", "params": item})


def run_quick(requests: list[tuple[RpcSession, dict]]) -> None:
    """Run quick requests (see ``RpcSession.take_line``) one after the other, write their appends
    in one group commit, then answer them: a reply always follows its writes (kill -9 loses
    nothing acknowledged)."""
    try:
        with state.collected_appends():
            replies = [(session, session.handle_request(request)) for session, request in requests]
    except Exception as exc:  # noqa: BLE001 - the appends are not written: nobody may hear success
        traceback.print_exc(file=sys.stderr)
        replies = [(session, error_response(-32603, f"{exc} ({type(exc).__name__})", None, request.get("id"))
                    if "id" in request else None) for session, request in requests]
    for session, reply in replies:
        session.reply(reply)
