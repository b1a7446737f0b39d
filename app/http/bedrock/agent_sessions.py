"""Bedrock ``bedrock-agent-runtime`` sessions: ``CreateSession``, ``GetSession``, ``ListSessions``,
``UpdateSession``, ``EndSession`` and ``DeleteSession``.

A session made here is the session ``retrieve_and_generate`` continues when given its ``sessionId``
(``app/core/sessions.py``: one store for both). It is ``ACTIVE`` for 24 hours after its creation, then
``EXPIRED``; ``end_session`` makes it ``ENDED``; only a session that is not ``ACTIVE`` may be deleted
(``ConflictException`` otherwise, as Bedrock). A session is named by its id or its ARN
(``arn:aws:bedrock:<region>:000000000000:session/<id>``). Sessions hold no invocations or steps
(``CreateInvocation``, ``PutInvocationStep``: not implemented), take no customer KMS key, and belong to
the server, not to one API key.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends

from app.core.services import Services
from app.core.sessions import Session
from app.http.bedrock.protocol import AGENT_RUNTIME, bedrock_input, page, policy
from app.http.bedrock.views import ACCOUNT_ID
from app.http.deps import AwsPrincipal, ServicesDep

router = APIRouter(tags=["bedrock-agent-runtime"])

CREATE_SESSION = policy(
    ["sessionMetadata"],
    reasons={
        "encryptionKeyArn": "encryptionKeyArn is not supported: ragkb keeps sessions in its home's SQLite, "
        "without customer KMS keys",
        "tags": "tags are not supported on sessions: ragkb tags knowledge bases",
    },
)
SESSION_ID = policy(["sessionIdentifier"])
UPDATE_SESSION = policy(["sessionIdentifier", "sessionMetadata"])
LIST_SESSIONS = policy(["maxResults", "nextToken"])


CreateInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "CreateSession", CREATE_SESSION))]
GetInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "GetSession", SESSION_ID))]
UpdateInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "UpdateSession", UPDATE_SESSION))]
EndInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "EndSession", SESSION_ID))]
DeleteInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "DeleteSession", SESSION_ID))]
ListInput = Annotated[dict[str, Any], Depends(bedrock_input(AGENT_RUNTIME, "ListSessions", LIST_SESSIONS))]


@router.put("/sessions/", status_code=201, summary="CreateSession")
def create_session(principal: AwsPrincipal, services: ServicesDep, params: CreateInput) -> dict[str, Any]:
    session = services.sessions.create(metadata=params.get("sessionMetadata"))
    view = session_summary(services, session)
    del view["lastUpdatedAt"]
    return view


@router.get("/sessions/{sessionIdentifier:path}/", summary="GetSession")
def get_session(principal: AwsPrincipal, services: ServicesDep, params: GetInput) -> dict[str, Any]:
    session = services.sessions.get(_session_id(params))
    view = session_summary(services, session)
    if session.metadata:
        view["sessionMetadata"] = dict(session.metadata)
    return view


@router.post("/sessions/", summary="ListSessions")
def list_sessions(principal: AwsPrincipal, services: ServicesDep, params: ListInput) -> dict[str, Any]:
    sessions = services.sessions.all()
    items, token = page(sessions, max_results=params.get("maxResults"), next_token=params.get("nextToken"))
    response: dict[str, Any] = {"sessionSummaries": [session_summary(services, s) for s in items]}
    if token:
        response["nextToken"] = token
    return response


@router.put("/sessions/{sessionIdentifier:path}/", summary="UpdateSession")
def update_session(principal: AwsPrincipal, services: ServicesDep, params: UpdateInput) -> dict[str, Any]:
    session = services.sessions.update(_session_id(params), metadata=params.get("sessionMetadata", {}))
    return session_summary(services, session)


@router.patch("/sessions/{sessionIdentifier:path}", summary="EndSession")
def end_session(principal: AwsPrincipal, services: ServicesDep, params: EndInput) -> dict[str, Any]:
    session = services.sessions.end(_session_id(params))
    view = session_summary(services, session)
    return {key: view[key] for key in ("sessionId", "sessionArn", "sessionStatus")}


@router.delete("/sessions/{sessionIdentifier:path}/", summary="DeleteSession")
def delete_session(principal: AwsPrincipal, services: ServicesDep, params: DeleteInput) -> dict[str, Any]:
    services.sessions.delete(_session_id(params))
    return {}


def session_summary(services: Services, session: Session) -> dict[str, Any]:
    """Bedrock's ``SessionSummary`` (``GetSessionResponse`` without metadata)."""
    return {
        "sessionId": session.id,
        "sessionArn": f"arn:aws:bedrock:{services.settings.aws_region}:{ACCOUNT_ID}:session/{session.id}",
        "sessionStatus": services.sessions.status(session),
        "createdAt": session.created_at.isoformat(),
        "lastUpdatedAt": session.updated_at.isoformat(),
    }


def _session_id(params: dict[str, Any]) -> str:
    """The id in a ``SessionIdentifier`` (an id or a session ARN; the pattern was checked already)."""
    return str(params["sessionIdentifier"]).rsplit("/", 1)[-1]
