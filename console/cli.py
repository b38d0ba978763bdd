"""Command line: `sentinel-console [--db URL] [--operation NAME] [--demo]` starts the console;
`sentinel-console COMMAND [SUBCOMMAND] [options]` runs a command and exits.

Exit codes: 0 success, 1 a check failed, 2 usage or environment error (one-line reason).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from console.access import PermissionDenied
from console.anchors import AnchorError, AnchorFile
from console.community import CommunityError
from console.exhibit_package import ExportError
from console.letters import LetterError
from console.operation import UnknownOperation
from console.operation_file import OperationFileError, parse_operation, render_operation
from console.returns import ReturnsError
from console.settings import Settings, load_settings
from console.text import TextError
from storage.db import StorageError

if TYPE_CHECKING:
    pass

from console.cli_community import add_community_commands
from console.cli_partners import add_partner_commands
from console.cli_reports import add_report_commands
from console.cli_retention import add_retention_commands
from console.cli_support import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CommandError, open_services, opened, operator


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    default = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--db",
        metavar="URL",
        default=default,
        help="database URL (default: SQLite file in the user data folder; "
        "postgresql+psycopg://user@host/db for a room of consoles)",
    )
    parser.add_argument(
        "--operation", metavar="NAME", default=default, help="operation to work on (default: the first in the database)"
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sentinel-console",
        description="Sentinel Console: CCTV control-room console. Without a command it starts the console.",
    )
    _global_options(parser, suppress=False)
    parser.add_argument(
        "--demo",
        action="store_true",
        help="start on the demo operation with demo cameras, logged in as the demo controller",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        text: str,
        handler: Callable[[argparse.Namespace, Settings], int],
    ) -> argparse.ArgumentParser:
        sub = parent.add_parser(name, help=text, description=text)
        _global_options(sub, suppress=True)
        sub.set_defaults(handler=handler)
        return sub

    def group(name: str, text: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        sub = commands.add_parser(name, help=text, description=text)
        _global_options(sub, suppress=True)
        return sub.add_subparsers(dest="subcommand", metavar="SUBCOMMAND", required=True)

    db = group("db", "database schema")
    command(db, "upgrade", "upgrade the database schema to this version", _db_upgrade)

    record = group("record", "the operation record")
    verify = command(
        record,
        "verify",
        "check the record's hash chain, every domain row against its digest, "
        "and the head against the anchor file; exit 1 naming the first problem",
        _record_verify,
    )
    verify.add_argument("--anchor", metavar="FILE", help="anchor file to check against (default: the console's)")
    show = command(record, "show", "print the newest record entries", _record_show)
    show.add_argument("--last", metavar="N", type=int, default=20, help="how many entries (default 20)")

    operation = group("operation", "operation set-up from a TOML file")
    imp = command(operation, "import", "validate and import an operation file (all or nothing)", _operation_import)
    imp.add_argument("file", metavar="FILE.toml", type=Path)
    exp = command(
        operation, "export", "write the operation back to a TOML file (passwords are never written)", _operation_export
    )
    exp.add_argument("--out", metavar="FILE.toml", type=Path, required=True)

    rec = commands.add_parser(
        "recorder",
        help="record the operation's cameras without the console's window (a dedicated recording machine)",
        description="Record every camera with recording on into the recordings folder, writing the footage "
        "index to the database, until stopped (Ctrl+C) or for --for SECONDS.",
    )
    _global_options(rec, suppress=True)
    rec.set_defaults(handler=_recorder)
    rec.add_argument("--for", dest="seconds", metavar="SECONDS", type=float, help="stop after this long")
    rec.add_argument("--purge", action="store_true", help="run one purge pass (retention, disk limit) and exit")

    export = group("export", "evidence packages")
    create = command(export, "create", "export a camera's footage over a time range as a verifiable package", _export)
    create.add_argument("--camera", action="append", required=True, metavar="NAME", help="camera key or name (repeat)")
    create.add_argument("--start", required=True, metavar="ISO", help="start: 2026-11-30T23:15 (local) or with offset")
    create.add_argument("--end", required=True, metavar="ISO", help="end, as --start")
    create.add_argument("--exhibit", required=True, metavar="REF", help="exhibit reference, e.g. DC/1234/01")
    create.add_argument("--reason", required=True, metavar="TEXT", help="why it is exported (recorded)")
    create.add_argument("--out", required=True, metavar="DIR", type=Path, help="folder to put the package in")
    create.add_argument("--operator", required=True, metavar="LOGIN", help="who exports (recorded)")
    check = command(
        export,
        "verify",
        "re-hash a package's files against its manifest (no database needed) and, when the database is "
        "reachable, check the manifest against the record; exit 1 naming each changed or missing file",
        _export_verify,
    )
    check.add_argument("folder", metavar="DIR", type=Path)
    hand = command(
        export, "handover", "record that an exhibit was handed to someone; extends its handling log", _handover
    )
    hand.add_argument("exhibit", metavar="REF", help="exhibit reference")
    hand.add_argument("--to", required=True, metavar="NAME", help="who receives it")
    hand.add_argument("--from", dest="giver", default="", metavar="NAME", help="who hands it over (default: you)")
    hand.add_argument("--note", default="", metavar="TEXT", help="purpose, e.g. 'for CPS review'")
    hand.add_argument("--operator", required=True, metavar="LOGIN")

    evidence = group("evidence", "evidence holds on recorded footage")
    hold = command(evidence, "hold", "keep a camera's footage over a range from purge", _evidence_hold)
    hold.add_argument("--camera", required=True, metavar="NAME")
    hold.add_argument("--start", required=True, metavar="ISO")
    hold.add_argument("--end", required=True, metavar="ISO")
    hold.add_argument("--reason", required=True, metavar="TEXT")
    hold.add_argument("--operator", required=True, metavar="LOGIN")
    release = command(evidence, "release", "release a hold (supervisors only)", _evidence_release)
    release.add_argument("hold_id", metavar="ID", type=int)
    release.add_argument("--reason", required=True, metavar="TEXT")
    release.add_argument("--operator", required=True, metavar="LOGIN")
    listing = command(evidence, "list", "list the evidence holds in force (--all: released ones too)", _evidence_list)
    listing.add_argument("--all", action="store_true")

    add_report_commands(commands, command, group, lambda sub: _global_options(sub, suppress=True))
    add_community_commands(command, group)
    add_partner_commands(command, group)
    add_retention_commands(command, group)

    demo = group("demo", "the demo operation")
    seed = command(demo, "seed", "create the demo operation and N past nights of activity", _demo_seed)
    how_long = seed.add_mutually_exclusive_group()
    how_long.add_argument("--nights", metavar="N", type=int, help="nights of activity before tonight (default 1)")
    how_long.add_argument(
        "--weeks",
        metavar="N",
        type=int,
        help="N operation weeks of activity across the tiers, the last night ending this morning "
        "(the demo operation is imported starting N weeks ago; use a new database)",
    )
    seed.add_argument("--density", type=float, default=3.0, help="with --weeks: how busy the nights are (default 3)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings(db=args.db, operation=args.operation, demo=args.demo, anchor=getattr(args, "anchor", None))
    try:
        if args.command is None:
            from console.app import run_gui  # Qt is loaded only when the GUI is wanted

            return run_gui(settings)
        handler: Callable[[argparse.Namespace, Settings], int] = args.handler
        return handler(args, settings)
    except (
        CommandError,
        StorageError,
        AnchorError,
        UnknownOperation,
        OSError,
        ExportError,
        LetterError,
        ReturnsError,
        CommunityError,
        TextError,
        PermissionDenied,
    ) as exc:
        print(f"sentinel-console: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from storage.db import open_database, upgrade

    db = open_database(settings.db_url)
    try:
        head = upgrade(db)
    finally:
        db.dispose()
    print(f"database schema at {head}")
    return EXIT_OK


def _record_verify(args: argparse.Namespace, settings: Settings) -> int:
    from console.verify import verify

    with opened(settings) as services:
        anchor_file = AnchorFile(settings.anchor_path)
        if args.anchor and not Path(args.anchor).exists():
            raise CommandError(f"anchor file {args.anchor} does not exist")
        report = verify(services.db, anchor_file.read())
    if report.ok:
        print(
            f"record verified: {report.entries} entries, {report.rows_checked} domain rows, "
            f"{report.anchors_checked} anchors; head {report.head_hash}"
        )
        return EXIT_OK
    print(f"record verify FAILED: {report.problems[0]}")
    for more in report.problems[1:10]:
        print(f"  also: {more}")
    return EXIT_FAILED


def _record_show(args: argparse.Namespace, settings: Settings) -> int:
    if args.last < 1:
        raise CommandError("--last must be 1 or more")
    with opened(settings) as services:
        entries = services.record.latest(args.last)
    for e in reversed(entries):
        ref = f" [{e.ref_type} {e.ref_id}]" if e.ref_type else ""
        text = e.detail or e.text
        print(f"{e.seq:>6}  {e.event_time:%Y-%m-%d %H:%M:%S}Z  {e.operator:<12} {e.kind:<20} {text}{ref}")
    return EXIT_OK


def _operation_import(args: argparse.Namespace, settings: Settings) -> int:
    from console.demo import system_actor

    try:
        text = args.file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {args.file}: {exc}") from exc
    try:
        spec = parse_operation(text)
    except OperationFileError as exc:
        print(f"{args.file}: not imported, {len(exc.problems)} problem(s):", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {args.file}:{problem}", file=sys.stderr)
        return EXIT_FAILED
    with opened(settings) as services:
        result = services.operations.import_spec(system_actor(settings.console_id), spec)
    print(f"operation {spec.name!r} imported (record entry {result.seq})")
    return EXIT_OK


def _operation_export(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        name = settings.operation or services.operations.view().name
        spec = services.operations.export_spec(name)
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(render_operation(spec), encoding="utf-8")
    os.replace(tmp, args.out)
    print(f"operation {spec.name!r} written to {args.out}")
    return EXIT_OK


def _demo_seed(args: argparse.Namespace, settings: Settings) -> int:
    from console.demo import seed_nights
    from console.demo_weeks import seed_weeks

    if args.weeks is not None:
        with opened(settings) as services:
            try:
                ledger = seed_weeks(services, args.weeks, density=args.density)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            head = services.record.head()
        print(
            f"demo seeded: {args.weeks} week(s), {len(ledger.sightings)} sightings, {len(ledger.outcomes)} outcomes, "
            f"{ledger.letters} warning letters, {ledger.partner_actions} partner actions, "
            f"{ledger.entries} record entries; record head {head.count} {head.hash[:16]}"
        )
        return EXIT_OK
    nights = 1 if args.nights is None else args.nights
    if nights < 1:
        raise CommandError("--nights must be 1 or more")
    with opened(settings) as services:
        results = seed_nights(services, nights)
        head = services.record.head()
    print(f"demo seeded: {nights} night(s), {len(results)} record entries; record head {head.count} {head.hash[:16]}")
    return EXIT_OK


def _recorder(args: argparse.Namespace, settings: Settings) -> int:
    from console.recorder_cli import run_recorder

    return run_recorder(settings, seconds=args.seconds, purge_only=args.purge)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from console.exhibit_package import parse_time
    from console.export_job import ExportRequest

    with opened(settings) as services:
        actor = operator(services, args.operator, settings)
        op = services.operations.view(settings.operation)
        tz = ZoneInfo(op.timezone)
        request = ExportRequest(
            tuple(args.camera),
            parse_time(args.start, tz),
            parse_time(args.end, tz),
            args.exhibit,
            args.reason,
            args.out,
            op.name,
        )
        shown = [-1]

        def progress(fraction: float, words: str) -> None:
            tenth = int(fraction * 10)
            if tenth != shown[0]:
                shown[0] = tenth
                print(f"  {fraction:4.0%}  {words}", file=sys.stderr)

        result = services.exports.export(actor, request, progress)
    print(f"exhibit {args.exhibit} exported to {result.folder}")
    print(f"  {result.files} files; manifest SHA-256 {result.manifest_sha256} (record entry {result.record.seq})")
    for camera, start, end in result.gaps:
        print(f"  gap in {camera}: no footage from {start:%Y-%m-%d %H:%M:%S}Z to {end:%H:%M:%S}Z")
    return EXIT_OK


def _export_verify(args: argparse.Namespace, settings: Settings) -> int:
    from console.evidence import verify_package

    if not args.folder.is_dir():
        raise CommandError(f"{args.folder} is not a folder")
    report = verify_package(args.folder)
    if report.reference:
        try:
            services = open_services(settings)
        except StorageError as exc:
            report.record = f"not checked (database not reachable: {exc})"
        else:
            try:
                services.evidence.check_against_record(report)
            finally:
                services.close()
    name = report.reference or args.folder.name
    if report.ok:
        print(f"exhibit {name}: {report.files_checked} files verified; manifest {report.manifest_sha256}")
        print(f"  record: {report.record}")
        return EXIT_OK
    print(f"exhibit {name}: verify FAILED, {len(report.problems)} problem(s):")
    for problem in report.problems:
        print(f"  {problem}")
    print(f"  record: {report.record}")
    return EXIT_FAILED


def _handover(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        actor = operator(services, args.operator, settings)
        result = services.evidence.handover(actor, args.exhibit, args.to, args.giver, args.note)
    print(f"exhibit {args.exhibit} handed to {args.to} (record entry {result.seq}); handling log extended")
    return EXIT_OK


def _evidence_hold(args: argparse.Namespace, settings: Settings) -> int:
    from zoneinfo import ZoneInfo

    from console.exhibit_package import parse_time

    with opened(settings) as services:
        actor = operator(services, args.operator, settings)
        op = services.operations.view(settings.operation)
        tz = ZoneInfo(op.timezone)
        result = services.evidence.place_hold(
            actor, op.id, args.camera, parse_time(args.start, tz), parse_time(args.end, tz), args.reason
        )
    print(f"footage of {args.camera} held as evidence: hold {result.ref_id} (record entry {result.seq})")
    return EXIT_OK


def _evidence_release(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        actor = operator(services, args.operator, settings)
        result = services.evidence.release_hold(actor, args.hold_id, args.reason)
    print(f"hold {args.hold_id} released (record entry {result.seq})")
    return EXIT_OK


def _evidence_list(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        op = services.operations.view(settings.operation)
        holds = services.evidence.holds(op.id, active_only=not args.all)
    if not holds:
        print("no evidence holds" + ("" if args.all else " in force"))
    for h in holds:
        state = f"released {h.released_at:%Y-%m-%d %H:%M}Z by {h.released_by}" if h.released_at else "in force"
        print(
            f"{h.id:>5}  {h.camera_name:<24} {h.starts_at:%Y-%m-%d %H:%M:%S}Z to {h.ends_at:%Y-%m-%d %H:%M:%S}Z  "
            f"{state}; {h.reason} (by {h.placed_by})"
        )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
