#!/usr/bin/env bash
# `pipx install .` and `uv tool install .` from a clean checkout (what README "Install" says),
# each into throwaway dirs, then the installed command answers: --version, a time phrase, and
# the MCP server's tools/list over stdio. Then the MCP Bundle: `mcpb validate` and `mcpb pack`
# of the clean checkout, and the bundle run the way Claude Desktop runs a "uv" bundle (its
# manifest's command in the unpacked folder). Called from .ci/run; needs PyPI and npm (npx).
#   tests/install_check.sh            # checks the committed HEAD of this repository
set -euo pipefail
cd "$(dirname "$0")/.."

PY="$(pwd)/.venv/bin/python"
[ -x "$PY" ] || PY="$(command -v python3)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
git clone -q . "$WORK/src"  # committed files only: what a user's clone has
"$PY" -m venv "$WORK/tools"
"$WORK/tools/bin/pip" install -q pipx uv

check() {  # $1: the installed infrai-mcp
  local exe="$1" home="$WORK/home-$2"
  "$exe" --version
  local said
  said="$(INFRAI_HOME="$home" "$exe" when "every weekday at 9am" --timezone Europe/Berlin)"
  grep -q "0 9 \* \* 1-5" <<<"$said" || { echo "install: $2: when: $said" >&2; exit 1; }
  # the MCP server over stdio: initialize, then tools/list (in-process engine, nothing left running)
  printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"install-check","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
    | INFRAI_HOME="$home" INFRAI_BACKGROUND=0 timeout 120 "$exe" > "$WORK/out-$2.jsonl"
  grep -q '"cron_create"' "$WORK/out-$2.jsonl" || { cat "$WORK/out-$2.jsonl" >&2; echo "install: $2: no tools" >&2; exit 1; }
  echo "install: $2 ok"
}

PIPX_HOME="$WORK/pipx" PIPX_BIN_DIR="$WORK/pipx-bin" "$WORK/tools/bin/pipx" install -q "$WORK/src"
check "$WORK/pipx-bin/infrai-mcp" pipx
UV_TOOL_DIR="$WORK/uv" UV_TOOL_BIN_DIR="$WORK/uv-bin" UV_CACHE_DIR="$WORK/uv-cache" \
  "$WORK/tools/bin/uv" tool install -q "$WORK/src"
check "$WORK/uv-bin/infrai-mcp" uv

MCPB="@anthropic-ai/mcpb@2.1.2"
npx -y "$MCPB" validate "$WORK/src/manifest.json"
(cd "$WORK" && npx -y "$MCPB" pack "$WORK/src" "$WORK/infrai-mcp.mcpb" > "$WORK/pack.txt") \
  || { cat "$WORK/pack.txt" >&2; exit 1; }
"$PY" - "$WORK/infrai-mcp.mcpb" "$WORK/bundle" <<'PY'
import json, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
names = z.namelist()
assert "manifest.json" in names and "pyproject.toml" in names and "infrai_mcp/__main__.py" in names, names[:20]
assert not [n for n in names if n.startswith(("tests/", ".venv/", ".git/"))], "bundle carries dev files"
z.extractall(sys.argv[2])
m = json.load(open(f"{sys.argv[2]}/manifest.json"))
assert m["server"]["mcp_config"]["command"] == "uv", m["server"]
print(f"install: bundle has {len(names)} files")
PY
PATH="$WORK/tools/bin:$PATH" UV_CACHE_DIR="$WORK/uv-cache" \
  uv run -q --directory "$WORK/bundle" infrai-mcp --version
echo "install: bundle ok"
