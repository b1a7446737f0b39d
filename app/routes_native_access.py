"""What every native route shares: path parameters and the scoped lookup of a knowledge base.

The caller's key is checked against the knowledge base's id before it is opened: for a key scoped to
knowledge base A, B does not exist (the same 404, word for word, as a name that exists nowhere), so
the key learns nothing about what it may not see.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Path

from app.auth import Principal
from app.services import Services
from retrieval import DataSource, KnowledgeBase, KnowledgeBaseInfo

KbPath = Annotated[str, Path(description="Knowledge base name or id.", examples=["handbook"])]
DataSourcePath = Annotated[str, Path(description="Data source id.", examples=["Q3XK81PZ0B"])]
JobPath = Annotated[str, Path(description="Ingestion job id.", examples=["7HD2LQ0M5C"])]


def open_kb(services: Services, principal: Principal, kb: str) -> tuple[KnowledgeBaseInfo, KnowledgeBase]:
    """The knowledge base named ``kb`` (name or id), if the caller may use it.

    >>> info, handle = open_kb(services, principal, "handbook")  # 404: unknown, or out of the key's scope
    """
    info = services.home.get(kb, visible=principal.allows)
    return services.knowledge_base(info.id)


def open_data_source(
    services: Services, principal: Principal, kb: str, ds: str
) -> tuple[KnowledgeBaseInfo, KnowledgeBase, DataSource]:
    """The knowledge base and its data source ``ds`` (an id); 404 when either does not exist."""
    info, handle = open_kb(services, principal, kb)
    return info, handle, services.data_source(handle, ds)
