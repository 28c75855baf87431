"""The service's own dependencies."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from aigov.monitoring.config import MonitoringSettings
from aigov.shared.deps import RuntimeDep


def get_settings(runtime: RuntimeDep) -> MonitoringSettings:
    settings = runtime.settings
    assert isinstance(settings, MonitoringSettings)
    return settings


SettingsDep = Annotated[MonitoringSettings, Depends(get_settings)]
