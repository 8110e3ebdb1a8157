"""The receive pipeline: everything between signal-cli handing over an envelope and a client getting it
(receiver, hub, WebSocket route, webhooks, scheduled receive, retention).
"""
