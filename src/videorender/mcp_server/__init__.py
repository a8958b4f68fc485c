"""The service as an MCP server, for AI agents: `videorender mcp` (stdio, for desktop agents)
and `/mcp` on the HTTP service (streamable HTTP). See docs/agents.md.

`tools.build_server` makes the server over a `JobService`; each tool is a thin face over the
same service functions the HTTP API calls.
"""

from videorender.mcp_server.tools import build_server

__all__ = ["build_server"]
