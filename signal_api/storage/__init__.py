"""What the service stores itself: an SQLite database under ``SIGNAL_API_DATA_DIR``."""
