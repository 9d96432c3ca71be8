"""What callers use: MCP tools (mcp/), the REST API (rest/), the dashboard (ui/), the CLI (cli/)."""
