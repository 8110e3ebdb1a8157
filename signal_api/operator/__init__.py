"""The operator's side of the service: start-up checks and the ``signal-api`` subcommands' work.

``signal_api/cli.py`` parses the command line and calls into here; the start-up checks are shared
by ``signal-api serve``, the server process (``wsgi.py``) and ``signal-api check-config``.
"""
