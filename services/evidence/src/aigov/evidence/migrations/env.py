"""Alembic environment of the evidence service (the body is shared)."""

import aigov.evidence.models  # noqa: F401  (registers the tables on the metadata)
from aigov.shared.db import Base
from aigov.shared.migrations import run_env

run_env(Base.metadata)
