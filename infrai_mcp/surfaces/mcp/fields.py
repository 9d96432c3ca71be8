"""Argument types shared by the tools, with descriptions written for the model.

Descriptions are short on purpose: every byte here is repeated in tools/list, which the
client sends to the model on every turn (see docs/MCP.md, "Toolset sizes").
"""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from infrai_mcp.models import invalid_from_validation
from infrai_mcp.models.common import MAX_PAGE

from .registry import TZ_MARK

M = TypeVar("M", bound=BaseModel)

Timezone = Annotated[
    str | None,
    Field(description=f"IANA zone, default {TZ_MARK}."),
]
Cursor = Annotated[str | None, Field(description="From next_cursor.")]
Limit = Annotated[int, Field(ge=1, le=MAX_PAGE)]
Url = Annotated[str, Field(description="http(s) URL to call.")]
# A job's target: a URL, or (no ://) a queue each fire publishes to (models.task_field).
Target = Annotated[str, Field(description="http(s) URL to call, or queue name to publish to.")]
Method = str
Headers = dict[str, str] | None
Payload = Annotated[Any, Field(description="JSON, max 1 MiB.")]
Secret = Annotated[
    str | None,
    Field(description="Signing key (8+ chars); never shown again."),
]
Retries = Annotated[int, Field(ge=0, le=10)]
Idem = Annotated[str | None, Field(description="Dedup key.")]
QueueName = str
AgentId = str


def build(model: type[M], **values: Any) -> M:
    """A request model from tool arguments; None means "not given" so model defaults apply.

    Validation errors become InvalidInput naming the field (never the value).
    """
    try:
        return model.model_validate({k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        raise invalid_from_validation(exc) from None


def pick(args: BaseModel, *names: str) -> dict[str, Any]:
    """The given (non-None) arguments among ``names``."""
    return {n: getattr(args, n) for n in names if getattr(args, n) is not None}
