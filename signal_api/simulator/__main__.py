"""Entry point: ``python -m signal_api.simulator`` / console script ``signal-cli-simulator``."""

from __future__ import annotations

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())
