"""How a tool is declared here and turned into an SDK tool.

A tool is an async handler ``(ctx, args) -> Record`` whose first annotation is its pydantic
input model and whose return annotation is its output model. ``@tool(...)`` records it in
its toolset's list; ``sdk_tool`` wraps it for ``MCPServer(tools=...)``:

- the input and output schemas are the models' JSON schemas, compacted (``compact_schema``)
  because the whole tools/list goes to the model on every turn and has to stay small: output
  schemas name every field and give the shape of nested objects and lists, but leave scalar
  leaves untyped (``{}``: any value, so still true; ``next_run_at`` says what it holds);
- the SDK validates arguments against the model; its error (which quotes the rejected
  values, possibly a secret) is replaced by one that names fields and says what is
  accepted, never echoing a value;
- our ``InfraiError``s become ``ToolError``s whose text the model can act on; anything
  else is left to the SDK, which answers "Error executing tool X" and logs the traceback
  on the server side only.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, get_type_hints

from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.mcpserver.tools import Tool
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp_types import CallToolResult, ContentBlock, TextContent, ToolAnnotations
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from infrai_mcp.backends.base import Backend
from infrai_mcp.core.errors import InfraiError, NotFound
from infrai_mcp.core.hints import hint, render
from infrai_mcp.models import utcnow
from infrai_mcp.models.common import refuse_nul
from infrai_mcp.models.wording import in_words

# Placeholder replaced in descriptions and schemas by the server's default zone, so every
# "default timezone" the model reads is the real one.
TZ_MARK = "$DEFAULT_TZ"


class ToolInput(ArgModelBase):
    """Base of every tool's input: unknown arguments are errors (a misspelt field must not be
    silently dropped, e.g. ``cron`` for ``schedule``); text arguments (ids too) refuse NUL."""

    # strict: true/false only for booleans ("yes", "1" or 1 are errors, not guesses) and whole
    # numbers for integers; a time field that is a datetime opts out (ISO strings parse).
    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True, strict=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any, info: ValidationInfo) -> Any:
        return refuse_nul(cls, value, info)


@dataclass
class ToolContext:
    """What a handler may use: the backend, the default zone and the wall clock."""

    backend: Backend
    timezone: str
    clock: Callable[[], datetime] = utcnow
    # Where jobs fire from (background engine / in-process / remote), said after every result
    # that creates or changes a job, so the agent can tell its user the truth.
    fires_from: Callable[[], str] | None = None

    def now(self) -> datetime:
        return self.clock()


Handler = Callable[[ToolContext, Any], Awaitable[BaseModel]]


@dataclass(frozen=True)
class ToolDef:
    name: str
    toolset: str
    title: str
    description: str
    input_model: type[ToolInput]
    output_model: type[BaseModel]
    handler: Handler
    annotations: ToolAnnotations
    list_hint: str | None = None  # the list tool that shows valid ids, for NotFound messages
    also: tuple[str, ...] = ()  # further toolsets that expose it (tools about every kind of job)

    @property
    def read_only(self) -> bool:
        return bool(self.annotations.read_only_hint)


@dataclass
class Toolset:
    name: str
    list_hint: str | None = None
    also: tuple[str, ...] = ()
    tools: list[ToolDef] = field(default_factory=list)

    def tool(
        self,
        title: str,
        *,
        read_only: bool = False,
        destructive: bool = False,
        idempotent: bool = False,
        open_world: bool = False,
    ) -> Callable[[Handler], Handler]:
        """Register a handler. Annotations are set per tool, truthfully: ``open_world`` means the
        call itself (or the job it creates) sends requests to URLs the caller chose."""

        def register(fn: Handler) -> Handler:
            hints = get_type_hints(fn)
            input_model = hints["args"]
            output_model = hints["return"]
            doc = " ".join((fn.__doc__ or "").split())
            self.tools.append(
                ToolDef(
                    name=fn.__name__,
                    toolset=self.name,
                    title=title,
                    description=doc,
                    input_model=input_model,
                    output_model=output_model,
                    handler=fn,
                    # The title is the tool's own field; repeating it here would only add bytes.
                    annotations=_annotations(read_only, destructive, idempotent, open_world),
                    list_hint=self.list_hint,
                    also=self.also,
                )
            )
            return fn

        return register


def _annotations(read_only: bool, destructive: bool, idempotent: bool, open_world: bool) -> ToolAnnotations:
    """Hints equal to the spec's defaults (readOnly false, destructive true, idempotent false,
    openWorld true) are left out: same meaning, fewer bytes in every tools/list."""
    return ToolAnnotations(
        read_only_hint=True if read_only else None,
        destructive_hint=None if read_only or destructive else False,
        idempotent_hint=True if (read_only or idempotent) else None,
        open_world_hint=None if open_world else False,
    )


# -- schemas --------------------------------------------------------------------------------


# Dropped from output schemas: they describe values the server produces, so enums, formats,
# defaults and required lists help no caller validate anything and cost ~40% of the bytes.
_OUTPUT_NOISE = frozenset({"description", "enum", "format", "default", "required"})
_NULL = {"type": "null"}


def compact_schema(schema: Any, *, output: bool = False) -> Any:
    """A smaller JSON schema with the same meaning for its reader (see the module docstring).

    Inputs: an optional ``X | None`` argument is written as plain ``X`` (omitting it is how a
    caller says "none"; an explicit null is still accepted). Outputs: ``X | None`` becomes
    ``type: [X, "null"]`` and the keys in ``_OUTPUT_NOISE`` go.
    """
    if isinstance(schema, list):
        return [compact_schema(s, output=output) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "title" or (output and key in _OUTPUT_NOISE):
            continue
        if key == "$defs" and not output:
            # nested argument models (queue_publish's messages): their fields are described once,
            # on the tool's own arguments of the same name
            out[key] = {k: _undescribed(compact_schema(v)) for k, v in value.items()}
        elif key in ("properties", "$defs"):
            out[key] = {k: compact_schema(v, output=output) for k, v in value.items()}
        elif key == "default" and value is None:
            continue
        else:
            out[key] = compact_schema(value, output=output)
    if output and set(out) == {"type"} and not {"object", "array", "null"} & set(_types(out["type"])):
        return {}  # a scalar leaf: its name says what it is; see the module docstring
    any_of = out.get("anyOf")
    if not output and isinstance(any_of, list) and len(any_of) > 2 and _NULL in any_of:
        # int | str | None as an argument: leaving it out says "none"; plain types fold into one list
        kept = [b for b in any_of if b != _NULL]
        if all(isinstance(b, dict) and set(b) == {"type"} for b in kept):
            return {"type": [b["type"] for b in kept], **{k: v for k, v in out.items() if k != "anyOf"}}
    if isinstance(any_of, list) and len(any_of) == 2 and _NULL in any_of:
        other = next(s for s in any_of if s != _NULL)
        rest = {k: v for k, v in out.items() if k != "anyOf"}
        if not output and isinstance(other, dict):
            return {**other, **rest}
        # Only a plain typed branch folds into a type list; a $ref or an object keeps anyOf.
        if isinstance(other, dict) and isinstance(other.get("type"), str) and other["type"] != "object":
            return {**other, "type": [other["type"], "null"], **rest}
        if other == {} and not rest:
            return {}  # a nullable scalar leaf, already untyped
    return out


def _undescribed(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _undescribed(v) for k, v in schema.items() if k != "description"}
    return [_undescribed(v) for v in schema] if isinstance(schema, list) else schema


def _types(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _with_tz(value: Any, tz: str) -> Any:
    return json.loads(json.dumps(value).replace(TZ_MARK, tz))


# -- errors ---------------------------------------------------------------------------------


def describe_validation(exc: ValidationError, accepted: list[str]) -> str:
    """Field-by-field, never quoting the input (it may hold a secret)."""
    parts: list[str] = []
    for err in exc.errors(include_url=False, include_input=False):
        loc = ".".join(str(p) for p in err.get("loc", ()))
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            parts.append(f"unknown argument '{loc}' (this tool accepts: {', '.join(accepted)})")
        elif kind == "missing":
            parts.append(f"'{loc}' is required")
        else:
            msg = in_words(err)
            parts.append(f"{loc}: {msg}" if loc else msg)
    return "; ".join(parts) or "invalid arguments"


def error_text(exc: InfraiError, list_hint: str | None) -> str:
    """The message with this server's next step (infrai_mcp.core.hints names the tool); an unknown
    id of a kind without a hint names the toolset's list tool."""
    if hint(exc.hint, "mcp") is None and isinstance(exc, NotFound) and list_hint:
        return f"{exc.message.rstrip('.')}. Call {list_hint} to see valid ids."
    return render(exc, "mcp")


class _Tool(Tool):
    """An SDK Tool whose argument-validation errors name fields but never echo values."""

    async def run(self, arguments: dict[str, Any], context: Any, convert_result: bool = False) -> Any:
        try:
            return await super().run(arguments, context, convert_result)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError):
                accepted = sorted(self.fn_metadata.arg_model.model_fields)
                raise ToolError(f"Invalid arguments for {self.name}: {describe_validation(cause, accepted)}") from cause
            raise


def schedules_work(d: ToolDef) -> bool:
    """Tools whose result is a job that will fire later: creates, updates, pause (its resume=true)."""
    return d.toolset in ("cron", "task", "schedule") and (
        d.name.endswith(("_create", "_update", "_schedule")) or d.name == "pause"
    )


def sdk_tool(d: ToolDef, ctx: ToolContext) -> Tool:
    """Wrap a ToolDef for MCPServer(tools=...)."""

    async def call(**kwargs: Any) -> CallToolResult:
        # Arguments were validated by the SDK against d.input_model; rebuild without re-validating.
        args = d.input_model.model_construct(**kwargs)
        try:
            result = await d.handler(ctx, args)
        except InfraiError as exc:
            raise ToolError(error_text(exc, d.list_hint)) from None
        data = result.model_dump(mode="json")
        # One compact JSON text for models that read content, the same object as structured
        # content for clients that read that (validated against the output schema by the SDK).
        text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
        content: list[ContentBlock] = [TextContent(type="text", text=text)]
        if ctx.fires_from is not None and schedules_work(d):
            content.append(TextContent(type="text", text=ctx.fires_from()))
        return CallToolResult(content=content, structured_content=data)

    tz = ctx.timezone
    output_schema = compact_schema(d.output_model.model_json_schema(), output=True)
    meta = FuncMetadata(arg_model=d.input_model, output_model=d.output_model, output_schema=output_schema)
    parameters = _with_tz(compact_schema(d.input_model.model_json_schema(by_alias=True)), tz)
    return _Tool(
        fn=call,
        name=d.name,
        # No title on the wire: the name and description serve the model; a title only repeats
        # them for a client UI at ~25 bytes a tool (ToolDef keeps it for docs).
        title=None,
        description=d.description.replace(TZ_MARK, tz),
        parameters=parameters,
        fn_metadata=meta,
        is_async=True,
        context_kwarg=None,
        annotations=d.annotations,
    )
