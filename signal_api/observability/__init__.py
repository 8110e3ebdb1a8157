"""What the service tells its operator: logs (and, as they come, metrics and request ids).
"""
