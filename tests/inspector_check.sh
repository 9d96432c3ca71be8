#!/usr/bin/env bash
# An independent client: the MCP Inspector's CLI lists the tools of `infrai-mcp` (stdio) and
# calls some, against a throw-away data dir. Called from .ci/run; needs Node + npm (npx).
#   tests/inspector_check.sh            # uses .venv/bin/infrai-mcp, else infrai-mcp on PATH
set -euo pipefail
cd "$(dirname "$0")/.."

INSPECTOR="@modelcontextprotocol/inspector@2.12.0"
SERVER="$(pwd)/.venv/bin/infrai-mcp"
[ -x "$SERVER" ] || SERVER="$(command -v infrai-mcp)"
PY="$(pwd)/.venv/bin/python"
[ -x "$PY" ] || PY="$(command -v python3)"
HOME_DIR="$(mktemp -d)"
trap 'rm -rf "$HOME_DIR"' EXIT

inspect() {
  # the server command goes first: --tool-arg takes every key=value pair after it
  npx -y "$INSPECTOR" --cli "$SERVER" -e "INFRAI_HOME=$HOME_DIR" -e INFRAI_BACKGROUND=0 -e INFRAI_TIMEZONE=Europe/Berlin "$@" \
    2> >(grep -v '^npm warn' >&2)
}

echo "inspector: tools/list (strict schema portability check)"
inspect --method tools/list --strict > "$HOME_DIR/tools.json" 2> "$HOME_DIR/strict.txt" \
  || { cat "$HOME_DIR/strict.txt" >&2; echo "inspector: tools/list failed" >&2; exit 1; }
INFRAI_HOME="$HOME_DIR" "$SERVER" mcp --list-sizes > "$HOME_DIR/sizes.json"
"$PY" - "$HOME_DIR/tools.json" "$HOME_DIR/sizes.json" <<'PY'
import json, sys
tools = json.load(open(sys.argv[1]))["tools"]
names = {t["name"] for t in tools}
# every tool the server has (its own count), as an independent client sees them
expected = json.load(open(sys.argv[2]))["all"]["tools"]
assert len(tools) == expected, f"expected {expected} tools, got {len(tools)}"
assert {"cron_create", "schedule_create", "queue_consume", "when_preview"} <= names
assert all(t.get("outputSchema") and t.get("annotations") for t in tools), "output schema/annotations missing"
print(f"inspector: {len(tools)} tools listed")
PY

echo "inspector: tools/call when_preview"
inspect --method tools/call --tool-name when_preview --tool-arg "when=every weekday at 9am" > "$HOME_DIR/preview.json"
"$PY" - "$HOME_DIR/preview.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["isError"] is False, out
sc = out["structuredContent"]
assert sc["cron"] == "0 9 * * 1-5" and sc["timezone"] == "Europe/Berlin" and len(sc["next_fires"]) == 5, sc
print("inspector: when_preview ->", sc["cron"], "|", sc["description"])
PY

echo "inspector: tools/call cron_create, then cron_list from a second server process"
inspect --method tools/call --tool-name cron_create \
  --tool-arg "schedule=every 15 minutes" "url=http://127.0.0.1:9/hook" "name=inspector" > "$HOME_DIR/create.json"
inspect --method tools/call --tool-name cron_list > "$HOME_DIR/list.json"
"$PY" - "$HOME_DIR/create.json" "$HOME_DIR/list.json" <<'PY'
import json, sys
created = json.load(open(sys.argv[1]))["structuredContent"]
listed = json.load(open(sys.argv[2]))["structuredContent"]["items"]
assert created["schedule"] == "*/15 * * * *", created
assert [j["cron_id"] for j in listed] == [created["cron_id"]], listed
print("inspector: created", created["cron_id"], "and listed it from a new process")
PY

echo "inspector: tools/call with a bad phrase answers isError with a usable message"
inspect --method tools/call --tool-name when_preview --tool-arg "when=whenever" > "$HOME_DIR/bad.json" 2>/dev/null || true
"$PY" - "$HOME_DIR/bad.json" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
assert out["isError"] is True and "Accepted examples" in out["content"][0]["text"], out
print("inspector: error ->", out["content"][0]["text"][:100])
PY
echo "inspector: OK"
