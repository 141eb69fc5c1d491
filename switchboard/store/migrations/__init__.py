"""Alembic migrations of the store (run by `switchboard.store.database.migrate`)."""
