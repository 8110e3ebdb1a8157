"""All simulator commands; importing this package fills ``REGISTRY``."""

from __future__ import annotations

from . import accounts, groups, longrunning, messaging, receiving  # noqa: F401  (registration side effects)
from .base import REGISTRY, Command, Context, Opt, params_from_namespace, params_from_rpc

__all__ = ["REGISTRY", "Command", "Context", "Opt", "params_from_namespace", "params_from_rpc"]
