"""Call records and agent sessions in SQLite (default) or PostgreSQL, written off the event loop."""
