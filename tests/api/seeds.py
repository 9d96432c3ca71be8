"""Read the curl examples and documented return shapes out of ../shared/seeds (001-004).

Nothing here is hand-copied: the examples are parsed from the seed files, so a seed edit
changes what the replay tests send.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


def seed_text(prefix: str) -> str:
    found = sorted(SEEDS.glob(f"{prefix}_*.txt"))
    if not found:
        raise FileNotFoundError(f"no seed {prefix}_*.txt under {SEEDS}")
    return found[0].read_text(encoding="utf-8")


@dataclass(frozen=True)
class Example:
    seed: str
    method: str
    path: str  # as written, with placeholders (ID, RUN_ID, QUEUE)
    body: dict[str, Any] | None
    returns: str | None  # the seed's "Returns" line, e.g. "CronRecord { cron_id, enabled }"

    @property
    def id(self) -> str:
        return f"{self.seed}:{self.method} {self.path}"


_CURL = re.compile(
    r"curl -X (?P<m>GET|POST|PUT|PATCH|DELETE) https://api\.infrai\.cc(?P<p>\S+)"
    r"(?P<h>(?:\s*\\\n\s*-H \"[^\"]*\")*)(?:\s*\\\n\s*-d '(?P<d>[^']*)')?"
)


def infrai_examples(prefix: str) -> list[Example]:
    """Every distinct curl example of seed 001/002 with the Returns line of its section."""
    text = seed_text(prefix)
    out: dict[tuple[str, str, str], Example] = {}
    for m in _CURL.finditer(text):
        before = text[: m.start()]
        ret = before.rfind("Returns\n\n")
        returns = before[ret + len("Returns\n\n"):].split("\n", 1)[0].strip() if ret >= 0 else None
        key = (m["m"], m["p"], m["d"] or "")
        if key not in out:  # the end-to-end walkthrough repeats the per-method examples
            out[key] = Example(prefix, m["m"], m["p"], json.loads(m["d"]) if m["d"] else None, returns)
    return list(out.values())


@dataclass(frozen=True)
class Field:
    name: str
    optional: bool
    is_list: bool


def returns_fields(returns: str) -> list[Field]:
    """``CronRecord { cron_id, next_run_at? }`` / ``{ items: CronRecord[] }`` → fields."""
    m = re.search(r"\{(.*)\}", returns)
    assert m, returns
    fields = []
    for part in m.group(1).split(","):
        name, _, typ = part.strip().partition(":")
        fields.append(Field(name.strip().rstrip("?"), name.strip().endswith("?"), typ.strip().endswith("[]")))
    return fields


def jobs_003() -> tuple[dict[str, Any], dict[str, Any]]:
    """Seed 003's request body and its example response."""
    text = seed_text("003")
    body = re.search(r"--data-raw '(.*?)'", text, re.S)
    assert body
    start = text.index("{", body.end())
    response, _ = json.JSONDecoder().raw_decode(text[start:])
    return json.loads(body.group(1)), response


def agents_004() -> tuple[list[tuple[str, Any]], list[tuple[str, str, Any]]]:
    """Seed 004's JSON blocks in order, each with its heading ("Cron Schedule", "Response"...),
    and its curl examples as (method, path after "...", body)."""
    text = seed_text("004")
    blocks: list[tuple[str, Any]] = []
    decoder = json.JSONDecoder()
    for m in re.finditer(r"(?m)^(.*?)\n?json\n(?=\{)", text):
        # The heading runs into the previous block's closing brace or a Content-Type line.
        heading = m.group(1).rsplit("}", 1)[-1].split("application/json")[-1].strip()
        value, _ = decoder.raw_decode(text[m.end():])
        blocks.append((heading, value))
    curls = [(c[0], c[1], json.loads(c[2])) for c in
             re.findall(r"curl -X (\w+) \.\.\.(\S*) \\\n-d '(.*?)'", text, re.S)]
    return blocks, curls
