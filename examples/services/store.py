"""What the web process and the worker share: connections from the
environment (DATABASE_URL, REDIS_URL, as devparity.toml sets them) and the
tables, created once whichever process comes first."""

import os
import time

import psycopg
import redis

JOBS = "jobs"  # the Redis list the web process pushes to and the worker pops

SCHEMA = """
CREATE TABLE IF NOT EXISTS visits (id serial PRIMARY KEY, env text NOT NULL, at timestamptz NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS jobs_done (id serial PRIMARY KEY, job text NOT NULL, worker text NOT NULL,
                                      at timestamptz NOT NULL DEFAULT now());
"""


def db() -> psycopg.Connection:
    return psycopg.connect(os.environ["DATABASE_URL"], connect_timeout=5, autocommit=True)


def cache() -> redis.Redis:
    return redis.Redis.from_url(os.environ["REDIS_URL"], socket_timeout=5, decode_responses=True)


def wait_for_services(seconds: float = 60) -> None:
    """devparity starts the services first and waits until they are ready;
    this only rides out a service restarting under a running app."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with db() as conn:
                # web and worker start together: one of them creates the tables
                with conn.transaction():
                    conn.execute("SELECT pg_advisory_xact_lock(8)")
                    conn.execute(SCHEMA)
            cache().ping()
            return
        except (psycopg.OperationalError, redis.ConnectionError) as exc:
            if time.monotonic() > deadline:
                raise
            print(f"waiting for the services: {exc}", flush=True)
            time.sleep(0.5)
