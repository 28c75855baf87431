"""FastAPI dependencies shared by the services (``Annotated`` aliases)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from aigov.shared.service import Runtime


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """The request's transaction: committed when the handler returns, rolled back on error.

    Used with ``scope="function"`` so the commit happens before the response is sent: a client
    that got 201 can read its write at once, and a failed commit is reported, not swallowed.
    """
    async with get_runtime(request).session_factory() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            await session.rollback()
            raise


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
