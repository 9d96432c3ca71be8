"""``cron add`` takes every schedule kind: a phrase, or ``--kind`` with the exact rule, plus
``--holidays``, ``--except`` and ``--jitter``; ``when`` shows the kind and warnings."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tests.engine.test_cli_phrases import Cli, cli  # noqa: F401 (the fixture)


def test_cron_add_takes_each_kind_and_exclusions(cli: Cli) -> None:  # noqa: F811
    code, out, err = cli("cron", "add", "--url", "https://example.com/h", "--kind", "interval", "--schedule", "5400",
                         "--json")
    assert code == 0, err
    job = json.loads(out)
    assert (job["schedule"], job["schedule_kind"], job["description"][:17]) == ("5400", "interval",
                                                                                 "Every 90 minutes ")
    first = datetime.fromisoformat(job["next_run_at"])
    assert timedelta(seconds=5390) < first - datetime.now(UTC) <= timedelta(seconds=5400)
    code, out, err = cli("cron", "add", "--url", "https://example.com/h", "--kind", "rrule", "--schedule",
                         "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10 + FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17",
                         "--timezone", "Europe/Berlin", "--holidays", "DE", "--except=--12-24", "--jitter", "60",
                         "--json")
    assert code == 0, err
    job = json.loads(out)
    assert job["schedule"] == ("FREQ=WEEKLY;INTERVAL=2;BYDAY=TU;BYHOUR=10;BYMINUTE=0;BYSECOND=0\n"
                               "FREQ=MONTHLY;BYDAY=-1FR;BYHOUR=17;BYMINUTE=0;BYSECOND=0")
    assert job["exclusions"]["holidays"] == ["DE"] and job["exclusions"]["dates"] == ["--12-24"]
    assert job["jitter_seconds"] == 60 and "except public holidays in DE" in job["description"]
    code, out, err = cli("cron", "add", "--url", "https://example.com/h", "--schedule", "0 17 * * 5L",
                         "--holidays", "US", "--json")
    assert code == 0, err
    assert json.loads(out)["schedule_kind"] == "cron" and json.loads(out)["exclusions"]["holidays"] == ["US"]
    code, _, err = cli("cron", "add", "--url", "https://example.com/h", "--kind", "rrule", "--schedule",
                       "FREQ=DAILY;COUNT=3")
    assert code == 2 and "max_runs" in err
    code, out, err = cli("cron", "ls")
    assert code == 0 and "Every 90 minutes" in out


def test_when_prints_warnings(cli: Cli) -> None:  # noqa: F811
    code, out, err = cli("when", "30 2 * * *", "--tz", "America/New_York", "--now", "2026-12-02T08:00")
    assert code == 0, err
    assert "warning: 2027-03-14 02:30 does not exist in America/New_York" in out
