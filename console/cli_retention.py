"""Command line: the retention job on demand (`sentinel-console retention run [--dry-run]`) and
subject access / erasure requests (`sentinel-console sar list|export|erase ...`)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from console.auth import console_actor
from console.cli_support import EXIT_OK, CommandError, opened, operator
from console.settings import Settings
from console.subject_access import DataRequest, SubjectAccessError


def add_retention_commands(command: Callable[..., argparse.ArgumentParser], group: Callable[..., Any]) -> None:
    retention = group("retention", "erase what has passed its retention period and is not held as evidence")
    run = command(retention, "run", "run the retention job now (footage, stills, personal data)", _run)
    run.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    run.add_argument(
        "--operator", metavar="LOGIN", help="an administrator's login (default: the console itself, as the daily job)"
    )
    sar = group("sar", "subject access and erasure requests for one subject or one VRM")
    for name, text, handler in (
        ("list", "list everything held about the subject or vehicle", _list),
        ("export", "serve the request: a folder with JSON, CSV, the stills, SHA256SUMS and a summary", _export),
        ("erase", "erase the subject's or vehicle's personal data (supervisor; refused while held)", _erase),
    ):
        sub = command(sar, name, text, handler)
        who = sub.add_mutually_exclusive_group(required=True)
        who.add_argument("--subject", metavar="REF", help="a subject reference such as SW-014")
        who.add_argument("--vrm", metavar="VRM", help="a vehicle registration mark, spaces optional")
        sub.add_argument("--reason", required=True, help="why (recorded; never type the VRM or a name here)")
        sub.add_argument("--operator", required=True, metavar="LOGIN", help="the supervisor serving the request")
        if name == "export":
            sub.add_argument("--out", type=Path, default=Path("."), metavar="DIR", help="folder to write into")


def _run(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        actor = operator(services, args.operator, settings) if args.operator else console_actor(settings.console_id)
        report = services.retention.run(actor, dry_run=args.dry_run)
    print(report.words())
    if report.entries:
        print(f"record entries {', '.join(map(str, report.entries))}")
    return EXIT_OK


def _request(args: argparse.Namespace) -> DataRequest:
    try:
        return DataRequest(subject=args.subject or "", vrm=args.vrm or "")
    except SubjectAccessError as exc:
        raise CommandError(str(exc)) from None


def _serve(args: argparse.Namespace, settings: Settings, what: Callable[..., Any]) -> Any:
    with opened(settings) as services:
        actor = operator(services, args.operator, settings)
        op = services.operations.view(settings.operation)
        try:
            return what(services.subject_access, actor, op.id, _request(args))
        except SubjectAccessError as exc:
            raise CommandError(str(exc)) from None


def _list(args: argparse.Namespace, settings: Settings) -> int:
    held = _serve(args, settings, lambda sar, actor, op, req: sar.list_held(actor, op, req, args.reason))
    print(held.summary(), end="")
    return EXIT_OK


def _export(args: argparse.Namespace, settings: Settings) -> int:
    served = _serve(args, settings, lambda sar, actor, op, req: sar.export(actor, op, req, args.reason, args.out))
    print(f"served: {served.folder} ({served.files} files; SHA256SUMS {served.sums_sha256[:16]}…)")
    print(f"record entry {served.result.seq}")
    return EXIT_OK


def _erase(args: argparse.Namespace, settings: Settings) -> int:
    result = _serve(args, settings, lambda sar, actor, op, req: sar.erase(actor, op, req, args.reason))
    print(f"erased (record entry {result.seq})")
    return EXIT_OK
