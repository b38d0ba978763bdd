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

from console.anchors import AnchorError, AnchorFile
from console.operation import UnknownOperation
from console.operation_file import OperationFileError, parse_operation, render_operation
from console.settings import Settings, load_settings
from storage.db import StorageError

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandError(RuntimeError):
    """An environment or usage problem: printed as one line, exit 2."""


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

    demo = group("demo", "the demo operation")
    seed = command(demo, "seed", "create the demo operation and N past nights of activity", _demo_seed)
    seed.add_argument("--nights", metavar="N", type=int, default=1, help="nights of activity (default 1)")
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
    except (CommandError, StorageError, AnchorError, UnknownOperation, OSError) as exc:
        print(f"sentinel-console: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _services(settings: Settings):  # type: ignore[no-untyped-def]
    from console.services import build_services

    return build_services(settings)


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

    services = _services(settings)
    try:
        anchor_file = AnchorFile(settings.anchor_path)
        if args.anchor and not Path(args.anchor).exists():
            raise CommandError(f"anchor file {args.anchor} does not exist")
        report = verify(services.db, anchor_file.read())
    finally:
        services.close()
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
    services = _services(settings)
    try:
        entries = services.record.latest(args.last)
    finally:
        services.close()
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
    services = _services(settings)
    try:
        result = services.operations.import_spec(system_actor(settings.console_id), spec)
    finally:
        services.close()
    print(f"operation {spec.name!r} imported (record entry {result.seq})")
    return EXIT_OK


def _operation_export(args: argparse.Namespace, settings: Settings) -> int:
    services = _services(settings)
    try:
        name = settings.operation or services.operations.view().name
        spec = services.operations.export_spec(name)
    finally:
        services.close()
    tmp = args.out.with_name(args.out.name + ".tmp")
    tmp.write_text(render_operation(spec), encoding="utf-8")
    os.replace(tmp, args.out)
    print(f"operation {spec.name!r} written to {args.out}")
    return EXIT_OK


def _demo_seed(args: argparse.Namespace, settings: Settings) -> int:
    from console.demo import seed_nights

    if args.nights < 1:
        raise CommandError("--nights must be 1 or more")
    services = _services(settings)
    try:
        results = seed_nights(services, args.nights)
        head = services.record.head()
    finally:
        services.close()
    print(
        f"demo seeded: {args.nights} night(s), {len(results)} record entries; record head {head.count} {head.hash[:16]}"
    )
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
