"""Fixtures shared across test modules: `postgres_server`, a throw-away
PostgreSQL cluster for the gradebook tests (pg_server.py)."""
from pg_server import postgres_server  # noqa: F401 (a fixture, found by pytest here)
