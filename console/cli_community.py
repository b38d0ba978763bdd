"""Command line: community complaints and tension notes (`sentinel-console community ...`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from console.cli_support import EXIT_OK, CommandError, opened, operator
from console.community import KIND_WORDS, SOURCES
from console.settings import Settings


def add_community_commands(command: Callable[..., argparse.ArgumentParser], group: Callable[..., Any]) -> None:
    community = group("community", "community complaints and community tension notes")
    add = command(community, "add", "record a complaint or a tension note", _add)
    add.add_argument("--kind", choices=tuple(KIND_WORDS), default="complaint")
    add.add_argument("--source", choices=tuple(SOURCES), default="call")
    add.add_argument("--text", required=True, metavar="TEXT", help="what was said, in the caller's words")
    add.add_argument("--location", default="", metavar="NAME", help="a location of the operation, or a place")
    add.add_argument("--at", metavar="ISO", help="when it came in (default now; local time unless an offset is given)")
    add.add_argument("--operator", required=True, metavar="LOGIN")
    listing = command(community, "list", "the latest complaints and tension notes, newest first", _list)
    listing.add_argument("--limit", type=int, default=50)


def _when(text: str | None, timezone: str) -> datetime | None:
    if text is None:
        return None
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--at {text!r} is not a date and time such as 2026-12-01T21:30") from None
    return at if at.tzinfo else at.replace(tzinfo=ZoneInfo(timezone))


def _add(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        actor = operator(services, args.operator, settings)
        op = services.operations.view(settings.operation)
        result = services.community.record_report(
            actor,
            op.id,
            args.kind,
            args.text,
            source=args.source,
            reported_at=_when(args.at, op.timezone),
            location=args.location,
        )
    print(f"{KIND_WORDS[args.kind]} recorded (record entry {result.seq})")
    return EXIT_OK


def _list(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        op = services.operations.view(settings.operation)
        reports = services.community.reports(op.id, limit=args.limit)
    tz = ZoneInfo(op.timezone)
    if not reports:
        print("no community complaints or tension notes yet")
    for r in reports:
        where = f" · {r.location}" if r.location else ""
        when = f"{r.reported_at.astimezone(tz):%d %b %Y %H:%M}"
        print(f"{when} {KIND_WORDS[r.kind]} by {SOURCES[r.source]}{where}: {r.text}")
    return EXIT_OK
