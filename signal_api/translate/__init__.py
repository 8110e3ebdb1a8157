"""Turning REST bodies into signal-cli calls: identifiers, attachments, styled text, sends, message
actions and group settings; and received envelopes into what clients get (REST group ids).
"""
