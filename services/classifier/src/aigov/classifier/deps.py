"""FastAPI dependencies of the classifier."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from aigov.classifier.rulebook.loader import Rulebook


def get_rulebook(request: Request) -> Rulebook:
    rulebook: Rulebook = request.app.state.rulebook
    return rulebook


RulebookDep = Annotated[Rulebook, Depends(get_rulebook)]
