"""All simulator commands; importing this package fills ``REGISTRY``.

Several engineers add command modules at the same time: add yours with a one-line edit of the
import below, never by rewriting this file.
"""

from __future__ import annotations

from . import accounts, actions, contacts, devices, groups, longrunning, messaging, pins, receiving  # noqa: F401  (registration side effects)
from .base import REGISTRY, Command, Context, Opt, params_from_namespace, params_from_rpc

__all__ = ["REGISTRY", "Command", "Context", "Opt", "params_from_namespace", "params_from_rpc"]
