"""Configuration from the environment; CLI flags override by building a new Settings.

Every variable is documented in README.md ("Configuration").
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

TOOLSETS = ("cron", "task", "schedule", "queue", "webhook", "time")


class ConfigError(ValueError):
    """A setting that cannot work; the message names the variable and gives an example."""


def default_home() -> Path:
    """The per-user data directory (XDG on Linux, Application Support on macOS)."""
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "infrai-mcp"
    if os.name == "nt":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base) / "infrai-mcp"
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "infrai-mcp"


def _flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("1", "true", "yes", "on")


def _off(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in ("0", "false", "no", "off")


def check_timezone(value: str, source: str = "INFRAI_TIMEZONE") -> str:
    """An IANA zone name, or a ConfigError naming ``source`` with an example."""
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(value)
    except (ValueError, KeyError, OSError):  # ZoneInfoNotFoundError is a KeyError
        raise ConfigError(f"{source}={value!r} is not an IANA timezone; use a Region/City name, "
                          f"e.g. {source}=Europe/Berlin (or UTC)") from None
    return value


def check_home(home: Path, source: str = "INFRAI_HOME") -> Path:
    """A directory this user can write (or create), or a ConfigError naming ``source``."""
    example = f"e.g. {source}=~/.local/share/infrai-mcp"
    if home.exists() and not home.is_dir():
        raise ConfigError(f"{source}={str(home)!r} is a file, not a directory; give a directory, {example}")
    probe = home
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    if not probe.is_dir() or not os.access(probe, os.W_OK | os.X_OK):
        what = "is not writable" if probe == home else f"cannot be created ({str(probe)!r} is not writable)"
        raise ConfigError(f"{source}={str(home)!r} {what}; give a directory you can write, {example}")
    return home


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number; e.g. {name}={default}") from None
    if value < 1:
        raise ConfigError(f"{name} must be at least 1, got {value}; e.g. {name}={default}")
    return value


def _positive_float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of seconds; e.g. {name}={default:g}") from None
    if not value > 0:
        raise ConfigError(f"{name} must be more than 0, got {raw}; e.g. {name}={default:g}")
    return value


def _rate_limit(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number of requests per second; e.g. {name}={default:g}") from None
    if value < 0:
        raise ConfigError(f"{name} must be 0 (no limit) or more, got {raw}; e.g. {name}={default:g}")
    return value


@dataclass(frozen=True)
class Settings:
    home: Path = field(default_factory=default_home)
    database_url: str | None = None
    base_url: str | None = None
    api_key: str | None = None
    timezone: str | None = None
    toolsets: tuple[str, ...] = TOOLSETS
    read_only: bool = False
    allow_private_targets: tuple[str, ...] = ()
    # Header names masked in every read besides the rule (auth, token, secret, key, session,
    # cookie, signature, password...): INFRAI_MASK_HEADERS, comma-separated.
    mask_headers: tuple[str, ...] = ()
    workflow_url: str | None = None
    workflow_secret: str | None = None  # signs workflow callbacks (INFRAI_WORKFLOW_SECRET)
    max_jobs_per_project: int = 10_000  # active jobs: cron jobs, scheduled tasks, active/paused schedules
    max_queue_depth: int = 1_000_000  # messages per queue: available + in flight + delayed
    # HTTP attempts on a thread of their own (docs/ENGINE.md, "Dispatcher"): API reads stay
    # faster under a backlog on a busy machine, at the cost of burst fires/s. INFRAI_HTTP_THREAD=1.
    http_thread: bool = False
    # Run/plan/dispatch leases (INFRAI_LEASE_SECONDS) and the retry backoff base (INFRAI_BACKOFF_BASE).
    lease_seconds: float = 30.0
    backoff_base: float = 1.0
    rate_limit: float = 100.0  # REST requests per second per project; 0 turns it off (INFRAI_RATE_LIMIT)
    pg_pool_size: int = 8  # PostgreSQL connections per process (INFRAI_PG_POOL_SIZE)
    # stdio MCP on the embedded store: a detached engine process fires jobs (INFRAI_BACKGROUND=0
    # or `mcp --in-process`: the engine runs inside the MCP server, only while it runs).
    background: bool = True
    # A publish (or a job's queue target) naming an unknown queue creates a standard queue
    # with defaults and says so in warnings (docs/QUEUES.md); INFRAI_AUTO_CREATE_QUEUES=0 refuses.
    auto_create_queues: bool = True

    @classmethod
    def from_env(cls) -> Settings:
        home = Path(os.environ["INFRAI_HOME"]).expanduser() if os.environ.get("INFRAI_HOME") else default_home()
        if os.environ.get("INFRAI_HOME"):
            check_home(home)
        zone = os.environ.get("INFRAI_TIMEZONE", "").strip() or None
        if zone:
            check_timezone(zone)
        toolsets_raw = os.environ.get("INFRAI_TOOLSETS", "").strip()
        toolsets = tuple(t.strip() for t in toolsets_raw.split(",") if t.strip()) if toolsets_raw else TOOLSETS
        unknown = [t for t in toolsets if t not in TOOLSETS and t != "all"]
        if unknown:
            raise ConfigError(f"INFRAI_TOOLSETS: unknown toolset(s) {unknown}; choose from {', '.join(TOOLSETS)}, "
                              "e.g. INFRAI_TOOLSETS=cron,time")
        if "all" in toolsets:
            toolsets = TOOLSETS
        allow = tuple(
            p.strip() for p in os.environ.get("INFRAI_ALLOW_PRIVATE_TARGETS", "").split(",") if p.strip()
        )
        return cls(
            home=home,
            database_url=os.environ.get("INFRAI_DATABASE_URL") or None,
            base_url=os.environ.get("INFRAI_BASE_URL") or None,
            api_key=os.environ.get("INFRAI_API_KEY") or None,
            timezone=zone,
            toolsets=toolsets,
            read_only=_flag("INFRAI_READ_ONLY"),
            allow_private_targets=allow,
            mask_headers=tuple(
                p.strip() for p in os.environ.get("INFRAI_MASK_HEADERS", "").split(",") if p.strip()
            ),
            workflow_url=os.environ.get("INFRAI_WORKFLOW_URL") or None,
            workflow_secret=os.environ.get("INFRAI_WORKFLOW_SECRET") or None,
            max_jobs_per_project=_positive_int("INFRAI_MAX_JOBS_PER_PROJECT", 10_000),
            max_queue_depth=_positive_int("INFRAI_MAX_QUEUE_DEPTH", 1_000_000),
            http_thread=_flag("INFRAI_HTTP_THREAD"),
            lease_seconds=_positive_float("INFRAI_LEASE_SECONDS", 30.0),
            backoff_base=_positive_float("INFRAI_BACKOFF_BASE", 1.0),
            rate_limit=_rate_limit("INFRAI_RATE_LIMIT", 100.0),
            pg_pool_size=_positive_int("INFRAI_PG_POOL_SIZE", 8),
            background=not _off("INFRAI_BACKGROUND"),
            auto_create_queues=not _off("INFRAI_AUTO_CREATE_QUEUES"),
        )

    @property
    def sqlite_path(self) -> Path:
        url = self.database_url
        if url and url.startswith("sqlite:///"):
            return Path(url[len("sqlite:///") :]).expanduser()
        if url and not url.startswith(("postgres://", "postgresql://")):
            return Path(url).expanduser()
        return self.home / "infrai.db"

    @property
    def is_postgres(self) -> bool:
        return bool(self.database_url and self.database_url.startswith(("postgres://", "postgresql://")))
