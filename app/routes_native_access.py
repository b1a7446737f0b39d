"""What every native route shares: path parameters and the scoped lookup of a knowledge base.

The caller's key is checked against the knowledge base's id before it is opened, so a key scoped to
knowledge base A gets 403 for anything under B (and 404 for names that exist nowhere).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path

from app.auth import Principal
from app.services import Services
from retrieval.home import KnowledgeBaseInfo
from retrieval.knowledge_base import KnowledgeBase

KbPath = Annotated[str, Path(description="Knowledge base name or id.", examples=["handbook"])]
DataSourcePath = Annotated[str, Path(description="Data source id.", examples=["Q3XK81PZ0B"])]
JobPath = Annotated[str, Path(description="Ingestion job id.", examples=["7HD2LQ0M5C"])]


def open_kb(services: Services, principal: Principal, kb: str) -> tuple[KnowledgeBaseInfo, KnowledgeBase]:
    """The knowledge base named ``kb`` (name or id), if the caller may use it.

    >>> info, handle = open_kb(services, principal, "handbook")  # 404 unknown, 403 out of the key's scope
    """
    info = services.home.get(kb)
    principal.check(info.id)
    return services.knowledge_base(info.id)


def open_data_source(
    services: Services, principal: Principal, kb: str, ds: str
) -> tuple[KnowledgeBaseInfo, KnowledgeBase, dict[str, Any]]:
    """The knowledge base and its data source ``ds`` (an id); 404 when either does not exist."""
    info, handle = open_kb(services, principal, kb)
    return info, handle, services.data_source(handle, ds)
