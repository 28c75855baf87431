"""Alembic environment of the monitoring service (the body is shared)."""

import aigov.monitoring.models  # noqa: F401  (registers the tables on the metadata)
from aigov.shared.db import Base
from aigov.shared.migrations import run_env

run_env(Base.metadata)
