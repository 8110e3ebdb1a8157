"""Exceptions that map onto signal-cli's exit codes and JSON-RPC error codes."""

from __future__ import annotations

from typing import Any

# exit code -> JSON-RPC error code (signal-cli.md §2 / §5.4)
RPC_CODE_FOR_EXIT = {1: -1, 2: -32603, 3: -3, 4: -4, 5: -5, 6: -6}


class CommandError(Exception):
    """A command failure with signal-cli's exit code and message.

    ``response`` is a result that was already produced before the failure (send-like commands);
    the CLI prints it on stdout and JSON-RPC returns it as ``error.data.response``.
    """

    exit_code = 2

    def __init__(self, message: str, response: Any = None, trace: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.response = response
        self.trace = trace

    @property
    def rpc_code(self) -> int:
        return RPC_CODE_FOR_EXIT.get(self.exit_code, -32603)

    @property
    def rpc_message(self) -> str:
        if self.exit_code == 2:
            return f"{self.message} (UnexpectedErrorException)"
        return self.message


class UserError(CommandError):
    exit_code = 1


class UnexpectedError(CommandError):
    exit_code = 2


class IOFailure(CommandError):
    exit_code = 3


class UntrustedKeyError(CommandError):
    exit_code = 4


class RateLimitError(CommandError):
    exit_code = 5


def error_for_exit_code(code: int, message: str) -> CommandError:
    """Build the exception class that produces ``code`` (used by fault injection)."""
    classes = {1: UserError, 2: UnexpectedError, 3: IOFailure, 4: UntrustedKeyError, 5: RateLimitError}
    err = classes.get(code, UnexpectedError)(message)
    if code not in classes:
        err.exit_code = code
    return err


class RpcError(Exception):
    """A JSON-RPC protocol-level error (-32700, -32600, -32601, -32602, -32603)."""

    def __init__(self, code: int, message: str, data: Any = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data
