"""Every ORM model of the gateway, imported once so the metadata is complete."""

from aigov.gateway.apikey.models import ApiKey

__all__ = ["ApiKey"]
