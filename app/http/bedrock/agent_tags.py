"""Bedrock ``bedrock-agent`` tags: ``TagResource``, ``UntagResource`` and ``ListTagsForResource``.

ragkb tags knowledge bases, named by the ARN ``get_knowledge_base`` returns
(``arn:aws:bedrock:<region>:<account>:knowledge-base/<id>``; any region and account are read as this
server's). Any other taggable Bedrock resource (agents, flows, prompts, data sources) is a
``ResourceNotFoundException``, as is a knowledge base the caller may not see. Tags are stored in
``app/core/tags.py`` and forgotten with their knowledge base; ``create_knowledge_base``'s ``tags`` go there too.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.errors import ResourceNotFound
from app.core.keys import Principal
from app.core.services import Services
from app.http.bedrock.protocol import AGENT, bedrock_input, policy
from app.http.deps import AwsPrincipal, ServicesDep

router = APIRouter(tags=["bedrock-agent"])
_KB_ARN = re.compile(r"^arn:aws(-[^:]+)?:bedrock:[a-z0-9-]+:[0-9]{12}:knowledge-base/(?P<id>[0-9A-Z]{10})$")

TAG = policy(["resourceArn", "tags"])
UNTAG = policy(["resourceArn", "tagKeys"])
LIST_TAGS = policy(["resourceArn"])
TagInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "TagResource", TAG))]
UntagInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "UntagResource", UNTAG))]
ListTagsInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT, "ListTagsForResource", LIST_TAGS))]


@router.post("/tags/{resourceArn:path}", summary="TagResource")
def tag_resource(principal: AwsPrincipal, services: ServicesDep, params: TagInput) -> dict[str, Any]:
    services.tags.tag(_knowledge_base(services, principal, params["resourceArn"]), params["tags"])
    return {}


@router.delete("/tags/{resourceArn:path}", summary="UntagResource")
def untag_resource(principal: AwsPrincipal, services: ServicesDep, params: UntagInput) -> dict[str, Any]:
    services.tags.untag(_knowledge_base(services, principal, params["resourceArn"]), params["tagKeys"])
    return {}


@router.get("/tags/{resourceArn:path}", summary="ListTagsForResource")
def list_tags_for_resource(principal: AwsPrincipal, services: ServicesDep, params: ListTagsInput) -> dict[str, Any]:
    return {"tags": services.tags.tags(_knowledge_base(services, principal, params["resourceArn"]))}


def _knowledge_base(services: Services, principal: Principal, arn: str) -> str:
    """The id of the knowledge base ``arn`` names, if the caller may see it; else ``ResourceNotFound``."""
    match = _KB_ARN.match(arn)
    if match is None:
        raise ResourceNotFound(f"{arn} is not a ragkb resource: ragkb tags knowledge bases (knowledge-base/<id>)")
    info, _ = services.open_kb(match["id"], principal=principal, by_id=True)
    return info.id
