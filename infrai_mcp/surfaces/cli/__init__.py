"""Command groups of the ``infrai-mcp`` CLI; each module exposes ``register(subparsers)``."""
