"""Command line: partner actions (environmental findings given to partners), listed, raised,
reviewed and exported for the partnership meeting."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from console.cli_support import EXIT_OK, CommandError, opened, operator
from console.partner_actions import PartnerActionError, PartnerActionService, action_reference, export
from console.settings import Settings
from console.types import ActionResult, Actor


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date like 2026-12-14") from None


def add_partner_commands(command: Callable[..., argparse.ArgumentParser], group: Callable[..., Any]) -> None:
    """The ``actions`` command group, added to the main parser."""
    actions = group("actions", "partner actions: environmental findings with a partner, an owner and a due date")
    listing = command(actions, "list", "the actions, open ones first by due date; overdue ones say so", _list)
    listing.add_argument("--open", action="store_true", help="only actions not done or cancelled")
    raising = command(actions, "raise", "raise an action for a partner (controllers and supervisors)", _raise)
    raising.add_argument("--finding", default="", metavar="TEXT", help="what was found (default: the sighting's notes)")
    raising.add_argument("--partner", required=True, metavar="NAME", help="e.g. 'Council street lighting'")
    raising.add_argument("--owner", required=True, metavar="NAME", help="who at the partner sees it done")
    raising.add_argument("--due", required=True, type=_day, metavar="YYYY-MM-DD")
    raising.add_argument("--location", default="", metavar="NAME", help="a location of the operation (key or name)")
    raising.add_argument("--sighting", type=int, metavar="ID", help="the community-issue sighting it comes from")
    raising.add_argument("--operator", required=True, metavar="LOGIN")
    review = command(actions, "review", "record a review of an action (supervisors)", _review)
    review.add_argument("action_id", metavar="ID", type=int, help="the action's number (PA-0007 is 7)")
    review.add_argument("--status", required=True, metavar="S", help="open, in_progress, done or cancelled")
    review.add_argument("--note", default="", metavar="TEXT")
    review.add_argument("--due", type=_day, metavar="YYYY-MM-DD", help="a new due date")
    review.add_argument("--operator", required=True, metavar="LOGIN")
    exporting = command(actions, "export", "the open actions by partner, for the partnership meeting", _export)
    exporting.add_argument("--format", choices=("csv", "pdf"), required=True)
    exporting.add_argument("--out", required=True, type=Path, metavar="FILE")
    exporting.add_argument("--all", action="store_true", help="done and cancelled actions too")


def _write(
    args: argparse.Namespace, settings: Settings, do: Callable[[PartnerActionService, Actor, int], ActionResult]
) -> ActionResult:
    """Run one raise or review as ``--operator``; a refusal is a usage error (one line, exit 2)."""
    with opened(settings) as services:
        actor = operator(services, args.operator, settings)
        op = services.operations.view(settings.operation)
        try:
            return do(services.partner_actions, actor, op.id)
        except PartnerActionError as exc:
            raise CommandError(str(exc)) from None


def _list(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        op = services.operations.view(settings.operation)
        actions = services.partner_actions.actions(op.id, open_only=args.open)
    if not actions:
        print("no partner actions" + (" open" if args.open else " yet"))
    for a in actions:
        where = f" at {a.location}" if a.location else ""
        flags = "; ".join(x for x in (a.overdue_words, "REVIEW OVERDUE" if a.review_overdue else "") if x)
        print(f"{a.reference}  {a.status_words:<11} due {a.due_on:%Y-%m-%d}  {a.partner} (owner {a.owner}){where}")
        print(f"    {a.finding}")
        reviewed = f"last reviewed {a.last_review_at:%Y-%m-%d} by {a.last_review_by}" if a.last_review_at else ""
        nxt = f"next review {a.next_review_due:%Y-%m-%d}" if a.next_review_due else ""
        line = "; ".join(x for x in (reviewed or "not reviewed yet", nxt, flags) if x)
        print(f"    {line}")
    return EXIT_OK


def _raise(args: argparse.Namespace, settings: Settings) -> int:
    result = _write(
        args, settings,
        lambda service, actor, oid: service.raise_action(
            actor, oid, finding=args.finding, partner=args.partner, owner=args.owner, due_on=args.due,
            location=args.location, sighting_id=args.sighting,
        ),
    )  # fmt: skip
    print(f"partner action {action_reference(int(result.ref_id))} raised (record entry {result.seq})")
    return EXIT_OK


def _review(args: argparse.Namespace, settings: Settings) -> int:
    result = _write(
        args, settings,
        lambda service, actor, oid: service.review(
            actor, oid, args.action_id, status=args.status, note=args.note, due_on=args.due
        ),
    )  # fmt: skip
    print(f"partner action {action_reference(args.action_id)} reviewed (record entry {result.seq})")
    return EXIT_OK


def _export(args: argparse.Namespace, settings: Settings) -> int:
    with opened(settings) as services:
        op = services.operations.view(settings.operation)
        report = services.partner_actions.report(op.id, open_only=not args.all)
    export(report, args.format, args.out)
    print(f"{len(report.actions)} partner action(s) written to {args.out} (record head {report.head.count} entries)")
    return EXIT_OK
