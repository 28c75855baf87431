"""Inventory-specific FastAPI dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from aigov.inventory.config import InventorySettings


def get_settings(request: Request) -> InventorySettings:
    settings = request.app.state.runtime.settings
    assert isinstance(settings, InventorySettings)
    return settings


SettingsDep = Annotated[InventorySettings, Depends(get_settings)]
