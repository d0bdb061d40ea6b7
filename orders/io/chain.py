"""A tamper-evident log: the running hash a recorder writes with each line, and its check.

A chained log's every line holds a ``"chain"`` value: the SHA-256, in lowercase
hex, of the previous line's chain value (:data:`START` before the first line)
followed by the line's canonical text, the line without its chain written as
:func:`~orders.io.log.line_text` writes it, in UTF-8 (a lone surrogate counts
as its three UTF-8-style bytes). The chain does not change what a line means:
replay reads past it. :func:`verify_chain` names the first line that breaks
the chain, with one line of lookahead to tell why. Blank lines carry no
operation and are not part of the chain. A log cut short still verifies, as
the prefix it is: only a chain value kept elsewhere tells where the log ended.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from typing import Any

import attrs

from orders._checks import quote
from orders.io.log import CHAIN, line_text
from orders.io.replay import Refusal, log_lines, read_line

__all__ = ["START", "ChainBreak", "ChainCheck", "ChainVerifier", "chain_value", "verify_chain"]

START = "0" * 64
"""The chain value the first line of a chained log follows from."""
_HEX_SHA256 = re.compile("[0-9a-f]{64}")


def chain_value(previous: str, record: dict[str, Any]) -> str:
    """The chain value of a line holding ``record`` (its own chain value left
    out) after a line whose chain value is ``previous``."""
    text = line_text({name: value for name, value in record.items() if name != CHAIN})
    return hashlib.sha256((previous + text).encode("utf-8", "surrogatepass")).hexdigest()


@attrs.frozen
class ChainBreak:
    """The first line at which a log stops following its chain, and why."""

    line_number: int
    reason: str


@attrs.frozen
class ChainCheck:
    """What checking a log's chain found."""

    lines: int
    """Every line read, blank ones included."""
    chained: int
    """The lines whose chain value follows from the line before them."""
    last: str | None
    """The chain value of the last of those lines, to compare with one kept
    elsewhere: it tells whether the log was cut short."""
    broken: ChainBreak | None
    """The first line that breaks the chain, if any does."""

    @property
    def verified(self) -> bool:
        """Whether the log is chained and every line follows its chain."""
        return self.broken is None and self.chained > 0


@attrs.frozen
class _Link:
    """A line that holds a chain value to check: its number, record and value."""

    number: int
    record: dict[str, Any]
    value: str

    def follows(self, previous: str) -> bool:
        return chain_value(previous, self.record) == self.value


@attrs.frozen
class _Flaw:
    """A line whose chain cannot be checked, and why."""

    number: int
    problem: str
    chained: bool
    """Whether the line holds a chain field at all."""


class ChainVerifier:
    """A chain check under way, fed one line at a time, in the log's order.

    Before any line holds a chain, lines without one are only noted: a log in
    which no line holds one is not chained. Once one does, the first line
    before it that holds none breaks the chain. A line whose chain value does
    not follow is judged once the line after it is read.
    """

    def __init__(self) -> None:
        self.lines = 0
        self.chained = 0
        self.previous = START
        self.previous_number = 0
        self.unchained: _Flaw | None = None
        self.suspect: _Link | None = None
        self.broken: ChainBreak | None = None

    def add(self, raw: str | bytes) -> None:
        """Check the next line of the log."""
        self.lines += 1
        if self.broken is not None:
            return
        link = _link(self.lines, raw)
        if link is None:
            return
        if self.suspect is not None:
            self.broken = self.judge(self.suspect, link)
        elif isinstance(link, _Flaw) and self.chained == 0 and not link.chained:
            self.unchained = self.unchained or link
        elif self.unchained is not None:
            self.broken = ChainBreak(
                self.unchained.number,
                f"{self.unchained.problem}; line {link.number} holds one, and every line "
                "of a chained log does",
            )
        elif isinstance(link, _Flaw):
            self.broken = ChainBreak(link.number, link.problem)
        elif link.follows(self.previous):
            self.chained += 1
            self.previous, self.previous_number = link.value, link.number
        else:
            self.suspect = link

    def passing(self, lines: Iterable[str | bytes]) -> Iterator[str | bytes]:
        """``lines``, each checked as it passes, until the chain breaks."""
        for raw in log_lines(lines):
            self.add(raw)
            if self.broken is not None:
                return
            yield raw

    def result(self) -> ChainCheck:
        """What the lines checked so far found; a line still to be judged is
        judged as the last."""
        broken = self.broken
        if broken is None and self.suspect is not None:
            broken = self.judge(self.suspect, None)
        last = self.previous if self.chained else None
        return ChainCheck(self.lines, self.chained, last, broken)

    def judge(self, suspect: _Link, after: _Link | _Flaw | None) -> ChainBreak:
        """Why ``suspect`` does not follow from the line before it, told by the
        line ``after`` it (None at the end of the log)."""
        number = suspect.number
        source = (f"line {self.previous_number}" if self.previous_number
                  else f"the start ({START})")
        why = f"line {number} does not follow from {source}"
        if not isinstance(after, _Link):
            return ChainBreak(number, f"{why}: it or its chain value was changed, "
                                      "or lines before it removed")
        if after.follows(self.previous):
            if suspect.follows(after.value):
                return ChainBreak(number, f"{why}: it was swapped with line {after.number}")
            return ChainBreak(number, f"{why}: it was inserted: line {after.number} "
                                      f"follows from {source}")
        if after.follows(chain_value(self.previous, suspect.record)):
            return ChainBreak(number, f"{why}: its chain value was changed (its text "
                                      "is the one the chain holds)")
        if after.follows(suspect.value):
            return ChainBreak(number, f"{why}: its text was changed, or lines before it "
                                      f"removed (line {after.number} follows from it)")
        return ChainBreak(number, f"{why}, nor line {after.number} from it")


def verify_chain(lines: Iterable[str | bytes]) -> ChainCheck:
    """Check the chain of a log's ``lines`` (``str`` or ``bytes``, read as
    :func:`~orders.io.replay.replay` reads them), up to the first line that
    breaks it."""
    verifier = ChainVerifier()
    for _ in verifier.passing(lines):
        pass
    return verifier.result()


def _link(number: int, raw: str | bytes) -> _Link | _Flaw | None:
    """Line ``number`` as the chain sees it; None when it is blank."""
    read = read_line(number, raw)
    if read is None:
        return None
    if isinstance(read, Refusal):
        return _Flaw(number, f"line {number} cannot be read: {read.reason}", chained=False)
    _, record, _ = read
    if CHAIN not in record:
        return _Flaw(number, f"line {number} holds no chain value", chained=False)
    value = record[CHAIN]
    if type(value) is not str or not _HEX_SHA256.fullmatch(value):
        return _Flaw(number, f"line {number}'s chain is not a SHA-256 value in lowercase hex "
                             f"(64 digits); got {quote(value)}", chained=True)
    if not isinstance(record.get("op"), str):
        return _Flaw(number, f"line {number} names no op; a log line's op is a string",
                     chained=True)
    return _Link(number, record, value)
