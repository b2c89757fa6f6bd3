"""Progress bars for long management commands (seed_demo, import_records).

Library: tqdm (pinned in requirements.txt). Chosen over rich because it is one small
pure-Python package with no dependencies of its own, wraps any iterable, writes to exactly
the stream it is given (so ``call_command(stderr=...)`` and tests can capture it) and is
switched off by one flag; rich's rendering (markup, tables, syntax highlighting) is more
than a counter needs.

The bar goes to the command's stderr and only when that stream is a terminal: piped or
logged output (CI, ``make run > file``, docker logs) gets no carriage-return noise, only
the command's plain summary. stdout stays free for the summary.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.core.management.base import BaseCommand
from tqdm import tqdm

T = TypeVar("T")


def attached_to_terminal(command: BaseCommand) -> bool:
    """Return whether the command's stderr is a terminal (where a progress bar belongs)."""
    return command.stderr.isatty()


@contextmanager
def progress(
    command: BaseCommand, items: Iterable[T], *, total: int, desc: str, unit: str
) -> Iterator[Iterable[T]]:
    """Yield ``items`` wrapped in a progress bar on a terminal, unchanged otherwise."""
    if not attached_to_terminal(command):
        yield items
        return
    # The raw stream, not Django's OutputWrapper: the wrapper appends a newline to every
    # write, which would break tqdm's in-place (carriage return) updates.
    stream = getattr(command.stderr, "_out", command.stderr)
    with tqdm(items, total=total, desc=desc, unit=unit, file=stream, dynamic_ncols=True) as bar:
        yield bar
