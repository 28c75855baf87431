"""Alembic environment of the gateway (the body is shared)."""

import aigov.gateway.models  # noqa: F401  (registers the tables on the metadata)
from aigov.shared.db import Base
from aigov.shared.migrations import run_env

run_env(Base.metadata)
