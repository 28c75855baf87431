"""Path and query parameter types shared by the services' routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

# Positions, versions and numeric ids: a larger number cannot exist in a 32-bit column, so it
# is refused as a 422 up front instead of overflowing in the database driver (a 500).
PositiveIntId = Annotated[int, Path(ge=1, le=2_147_483_647)]

# An organisation id in a URL (webhooks carry no caller context): printable, no slash.
OrganisationIdPath = Annotated[
    str, Path(min_length=1, max_length=100, pattern=r"^[^\x00-\x1f\x7f/]+$")
]
