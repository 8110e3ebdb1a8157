"""The backend layer: everything that talks to signal-cli.

``make_backend`` is the only place in the service that looks at ``MODE``.
"""
from __future__ import annotations

from signal_api.config import Config
from signal_api.signalcli.base import ReceiveOptions, SendResult, SignalBackend
from signal_api.signalcli.children import ChildRegistry, DaemonLock
from signal_api.signalcli.cli import CliBackend
from signal_api.signalcli.daemon import DaemonSupervisor, daemon_argv, daemon_socket_path
from signal_api.signalcli.jsonrpc import Address, JsonRpcClient
from signal_api.signalcli.rpc_backend import JsonRpcBackend

__all__ = ["ReceiveOptions", "SendResult", "SignalBackend", "make_backend"]


def make_backend(config: Config) -> SignalBackend:
    """Build the backend the configured mode asks for (nothing is started yet)."""
    children = ChildRegistry.for_data_dir(config.data_dir)
    if not config.uses_json_rpc:
        return CliBackend(config.command, config.signal_cli_config_dir, timeout=config.command_timeout,
                          link_limit=config.max_concurrent_links, children=children)
    supervisor = None
    if config.json_rpc_address:
        address = Address.parse(config.json_rpc_address)
    else:
        socket_path = daemon_socket_path(config.data_dir)
        argv = daemon_argv(config.command, config.signal_cli_config_dir, socket_path, config.json_rpc,
                           receive_mode="manual" if config.shares_workers else "on-connection")
        supervisor = DaemonSupervisor(argv, socket_path=socket_path, children=children,
                                      lock=DaemonLock(config.data_dir, config.signal_cli_config_dir))
        address = Address("unix", str(socket_path))

    def client_factory(on_notification):  # noqa: ANN001, ANN202
        return JsonRpcClient(address, call_timeout=config.command_timeout, on_notification=on_notification)

    return JsonRpcBackend(client_factory, supervisor=supervisor, link_timeout=config.command_timeout,
                          link_limit=config.max_concurrent_links, shared=config.shares_workers)
