"""What the command line's modules share: the exit codes, the usage error, opening the services
for one command and naming the operator who runs it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from console.settings import Settings
from console.types import Actor

if TYPE_CHECKING:
    from console.services import Services

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandError(RuntimeError):
    """An environment or usage problem: printed as one line, exit 2."""


def open_services(settings: Settings) -> Services:
    from console.services import build_services  # the database only for commands that need it

    return build_services(settings)


@contextmanager
def opened(settings: Settings) -> Iterator[Services]:
    services = open_services(settings)
    try:
        yield services
    finally:
        services.close()


def operator(services: Services, login: str, settings: Settings) -> Actor:
    try:
        return services.operations.operator(login, settings.console_id)
    except LookupError as exc:
        raise CommandError(f"{exc}; --operator names a login of this operation's operators") from None
