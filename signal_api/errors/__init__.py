"""The error vocabulary: what signal-cli reported (``backend``), what the service refuses in a request
(``request``), and how both become HTTP responses (``http``).
"""
