"""Command line: warning letters, returns and the three-strikes register."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from console.cli_support import EXIT_OK, CommandError, opened, operator
from console.settings import Settings


def add_report_commands(
    commands: Any,
    command: Callable[..., argparse.ArgumentParser],
    group: Callable[..., Any],
    global_options: Callable[[argparse.ArgumentParser], None],
) -> None:
    """The letters, returns and strikes commands, added to the main parser."""
    letters = group("letters", "warning letters to registered keepers")
    prep = command(letters, "prepare", "write a warning letter for a vehicle sighting in the prescribed area", _letter)
    prep.add_argument("--sighting", required=True, type=int, metavar="ID")
    prep.add_argument("--keeper-name", required=True, metavar="NAME", help="as on the vehicle check")
    prep.add_argument("--keeper-address", required=True, metavar="TEXT", help="lines separated by commas or \\n")
    prep.add_argument("--override", default="", metavar="REASON", help="supervisors: the reason to override a rule")
    prep.add_argument("--operator", required=True, metavar="LOGIN")
    command(letters, "list", "the letters register, newest first", _letters_list)
    printing = command(letters, "print", "print letters to one PDF, a letter a page", _letters_print)
    printing.add_argument("--out", required=True, type=Path, metavar="FILE.pdf")
    printing.add_argument("--all", action="store_true", help="every letter (default: those not printed yet)")
    printing.add_argument("--operator", required=True, metavar="LOGIN")
    show_t = command(letters, "template", "print the template in use, or save a new version (supervisors)", _template)
    show_t.add_argument("--set", type=Path, metavar="FILE", help="save this file as the new version")
    show_t.add_argument("--operator", metavar="LOGIN", help="needed with --set")
    words = command(letters, "blocked", "show the blocked words, or set them (supervisors)", _blocked)
    words.add_argument("--set", nargs="+", metavar="WORD", help="the whole list, e.g. --set sex prostitution")
    words.add_argument("--operator", metavar="LOGIN", help="needed with --set")

    returns = commands.add_parser(
        "returns",
        help="the daily return, a week's performance or the operation to date, from the record",
        description="Figures computed from the recorded rows (corrections applied), each with the record "
        "entries behind it, and the record's head.",
    )
    global_options(returns)
    returns.set_defaults(handler=_returns)
    which = returns.add_mutually_exclusive_group(required=True)
    which.add_argument("--day", type=date.fromisoformat, metavar="DATE", help="the night starting on DATE (18:00)")
    which.add_argument("--week", type=int, metavar="N", help="operation week N (from the start date)")
    which.add_argument("--to-date", action="store_true", help="the whole operation so far")
    returns.add_argument("--format", choices=("csv", "json", "pdf"), default="csv")
    returns.add_argument("--out", type=Path, metavar="FILE", help="write here (default: standard output; pdf needs it)")

    strikes = commands.add_parser(
        "strikes", help="the three-strikes register: warnings, referrals, ESOs and what the policy allows next"
    )
    global_options(strikes)
    strikes.set_defaults(handler=_strikes)


def _letter(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        actor = operator(services, args.operator, settings)
        op = services.operations.view(settings.operation)
        address = args.keeper_address.replace("\\n", "\n").replace(", ", "\n")
        result = services.letters.prepare(actor, op.id, args.sighting, args.keeper_name, address, args.override)
    print(f"warning letter WL-{int(result.ref_id):05d} prepared (record entry {result.seq})")
    return EXIT_OK


def _letters_list(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        letters = services.letters.register(services.operations.view(settings.operation).id)
    if not letters:
        print("no warning letters yet")
    for x in letters:
        printed = f"printed {x.printed_at:%Y-%m-%d}" if x.printed_at else "not printed"
        override = f"; override: {x.override_reason}" if x.override_reason else ""
        print(
            f"{x.reference}  {x.prepared_at:%Y-%m-%d %H:%M}Z  {x.vrm:<9} {x.keeper_name:<24} "
            f"template v{x.template_version}  {printed}  by {x.prepared_by}{override}"
        )
    return EXIT_OK


def _letters_print(args: argparse.Namespace, settings: Settings) -> int:
    from widgets.letter_pdf import render_letters

    with opened(settings) as services:
        actor = operator(services, args.operator, settings)
        op = services.operations.view(settings.operation)
        letters = [x for x in services.letters.register(op.id) if args.all or x.printed_at is None]
        if not letters:
            raise CommandError("no letters to print (--all prints the printed ones again)")
        letters.reverse()  # oldest first, as they were prepared
        render_letters(args.out, [(x.reference, x.body) for x in letters])
        services.letters.mark_printed(actor, op.id, [x.id for x in letters], str(args.out))
    print(f"{len(letters)} letter(s) printed to {args.out}")
    return EXIT_OK


def _template(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        op = services.operations.view(settings.operation)
        if args.set is None:
            version, body = services.letters.template(op.id)
            print(f"# template version {version}" + (" (the default)" if version == 0 else ""))
            print(body, end="")
            return EXIT_OK
        if not args.operator:
            raise CommandError("--set needs --operator (a supervisor)")
        try:
            body = args.set.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {args.set}: {exc}") from exc
        result = services.letters.save_template(operator(services, args.operator, settings), op.id, body)
    print(f"template saved (record entry {result.seq})")
    return EXIT_OK


def _blocked(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        op = services.operations.view(settings.operation)
        if args.set is None:
            print("\n".join(services.letters.blocked_words(op.id)))
            return EXIT_OK
        if not args.operator:
            raise CommandError("--set needs --operator (a supervisor)")
        result = services.letters.set_blocked_words(operator(services, args.operator, settings), op.id, args.set)
    print(f"blocked words set (record entry {result.seq})")
    return EXIT_OK


def _returns(args: argparse.Namespace, settings: Settings) -> int:
    from console.dashboard import build_dashboard
    from console.returns import to_csv, to_json, write_pdf, write_text

    if args.format == "pdf" and args.out is None:
        raise CommandError("--format pdf needs --out FILE")
    with opened(settings) as services:
        kind, value = (
            ("day", args.day) if args.day else ("week", args.week) if args.week is not None else ("to_date", None)
        )
        period = services.returns.period(settings.operation, kind, value)
        report = services.returns.build(settings.operation, period)
        dashboard = build_dashboard(services.db, settings.operation, period) if args.format == "pdf" else None
    if dashboard is not None:
        from widgets.dashboard import chart_images  # Qt only when a PDF is wanted

        write_pdf(report, args.out, chart_images(dashboard))
        print(f"return written to {args.out}")
        return EXIT_OK
    text = to_csv(report) if args.format == "csv" else json.dumps(to_json(report), indent=2) + "\n"
    if args.out is None:
        sys.stdout.write(text)
    else:
        write_text(text, args.out)
        print(f"return written to {args.out}")
    return EXIT_OK


def _strikes(args: argparse.Namespace, settings: Settings) -> int:
    from console.strikes import register

    with opened(settings) as services:
        rows = register(services.db, services.operations.view(settings.operation).id)
    if not rows:
        print("no official warnings, referrals or ESOs recorded yet")
    for r in rows:
        warned = ", ".join(f"{w:%d %b}" for w in r.warnings) or "none"
        referred = ", ".join(f"{w:%d %b} ({to})" for w, to in r.referrals) or "none"
        print(f"{r.reference}  {r.description}")
        print(f"    warnings: {len(r.warnings)} ({warned}); referrals: {len(r.referrals)} ({referred})")
        if r.orders:
            print(f"    ESO: {'; '.join(o.words() for o in r.orders)}")
        print(f"    next: {r.next_step}")
        if r.exception:
            print(f"    EXCEPTION: {r.exception}")
    return EXIT_OK
