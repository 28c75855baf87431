"""API keys from the command line, e.g. the first admin key of a fresh installation.

    python -m aigov.gateway.keys create --organisation acme --role admin --name bootstrap
    python -m aigov.gateway.keys create --organisation acme --role compliance_officer --name ci
    python -m aigov.gateway.keys list --organisation acme
    python -m aigov.gateway.keys revoke --organisation acme <key id>

It migrates and writes the gateway's database (``GATEWAY_DATABASE_URL``) directly, so it works
before any key exists. The secret is printed once; only its hash is stored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from collections.abc import Sequence

from aigov.gateway.apikey import service
from aigov.gateway.apikey.schemas import ApiKeyRead
from aigov.gateway.authz import role_names
from aigov.gateway.config import GatewaySettings
from aigov.shared.db import create_engine, create_session_factory, transaction
from aigov.shared.migrations import upgrade_async


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m aigov.gateway.keys", description=__doc__)
    parser.add_argument("--database-url", help="defaults to GATEWAY_DATABASE_URL")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--organisation", required=True)
    create.add_argument("--role", required=True, choices=role_names())
    create.add_argument("--name", required=True)
    create.add_argument("--rate-limit-per-minute", type=int)
    listing = commands.add_parser("list", help="list an organisation's keys (never the secrets)")
    listing.add_argument("--organisation", required=True)
    revoke = commands.add_parser("revoke", help="revoke a key")
    revoke.add_argument("--organisation", required=True)
    revoke.add_argument("key_id", type=uuid.UUID)
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, object]:
    url = args.database_url or GatewaySettings().database_url
    await upgrade_async("aigov.gateway:migrations", url)
    engine = create_engine(url)
    try:
        async with transaction(create_session_factory(engine)) as session:
            if args.command == "create":
                key, secret = await service.create_key(
                    session,
                    organisation_id=args.organisation,
                    name=args.name,
                    role=args.role,
                    created_by="cli",
                    rate_limit_per_minute=args.rate_limit_per_minute,
                )
                return {**ApiKeyRead.model_validate(key).model_dump(mode="json"), "key": secret}
            if args.command == "list":
                keys = await service.list_keys(session, organisation_id=args.organisation)
                return {
                    "items": [ApiKeyRead.model_validate(k).model_dump(mode="json") for k in keys]
                }
            key = await service.revoke_key(
                session, organisation_id=args.organisation, key_id=args.key_id
            )
            return ApiKeyRead.model_validate(key).model_dump(mode="json")
    finally:
        await engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    result = asyncio.run(run(args))
    sys.stdout.write(json.dumps(result, indent=2) + "\n")
    if args.command == "create":
        sys.stderr.write("Store the key now: it is not shown again.\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
