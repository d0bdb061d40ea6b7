"""``python -m orders``: replay a log, reconcile a book with a snapshot, or draw the diagram.

``python -m orders replay [FILE] [--json | --summary] [--verify]`` exits with
status 0 when every line of the log was applied, 1 when some lines were refused
(they are listed), 2 when the log cannot be read, the Dask scheduler cannot be
reached or the command is misused, and 3 when ``--verify`` finds the log's chain
broken, or no chain to check (nothing else is printed then); errors are one line
on standard error. Output is UTF-8 whatever the locale. In the table, the
summary and the errors, text from the log or a file name is shown escaped where
it holds a control character or a lone surrogate (``\\n``, ``\\x1b``, ``\\ud800``,
and then a backslash as ``\\\\``); ``--json`` holds the exact text. Output to a
pipe that closes early (``| head``), or to a closed stream, ends quietly with
the same status.

``python -m orders reconcile [BOOK SNAPSHOT.json] [--account NAME] [--json]``
reads a book (a document written by ``orders.dumps``, or an execution log,
``.jsonl``, replayed first) and a venue's snapshot (a document) and prints the
steps that take the book to the venue's state and the findings; without files
it reconciles the bundled example session with its bundled snapshot. It exits
with status 0 when there are no findings, 1 when there are some, and 2 when a
file cannot be read, is not a document of its kind, a log holds several
accounts and none was chosen, or the command is misused.
"""

from __future__ import annotations

import argparse
import decimal
import io
import json
import os
import re
import stat
import sys
import time
import typing
from collections import Counter
from collections.abc import Hashable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, nullcontext
from decimal import Decimal
from importlib import resources
from typing import IO

from orders.assets import Asset
from orders.book.orderbook import OrderBook
from orders.book.reconcile import ReconcileStep, Reconciliation, Snapshot, reconcile
from orders.decimals import exact_sum
from orders.errors import OrderError
from orders.io.chain import ChainCheck, ChainVerifier, verify_chain
from orders.io.documents import loads, unstructure
from orders.io.output import (
    ACCOUNTS_FOLDER,
    SUMMARY_FILE,
    AccountCounts,
    WrittenReplay,
    absolute,
    account_document,
    account_json as as_json,
    counts_of,
    finding_json,
    json_text,
    refusal_json,
    step_json,
    utf8_text,
    write_replay,
)
from orders.io.replay import (
    DEFAULT_ACCOUNT,
    AccountsResult,
    Reconciled,
    Refusal,
    ReplayResult,
    file_lines,
    replay,
    replay_accounts,
    replay_files,
)
from orders.order.machine import mermaid_diagram
from orders.order.value import DecimalOrder
from orders.statuses import ORDER_STATUS

PROG = "python -m orders"
"""How the command names itself at the start of every error."""
EXAMPLE_LOG = "session.jsonl"
EXAMPLE_SNAPSHOT = "snapshot.json"
"""What the venue reports on reconnecting after the example session."""
LOG_SUFFIX = ".jsonl"
"""The suffix that makes ``reconcile`` read its book as a log to replay."""
APPLIED, REFUSED, UNREADABLE, UNVERIFIED = 0, 1, 2, 3
"""The exit statuses of ``replay``: every line applied, some refused, no log
read, a chain that ``--verify`` did not find whole."""
NO_FINDINGS, FINDINGS = 0, 1
"""The exit statuses of ``reconcile`` when it read both files: nothing found,
findings listed (a file it cannot read is ``UNREADABLE``, as for ``replay``)."""
RECONCILE_DESCRIPTION = (
    "Reconcile a book with the venue's state in SNAPSHOT.json (a document written by "
    "orders.dumps): print the steps that take the book to that state, each an order id and "
    "an event, and the findings the snapshot leaves open. BOOK is a book document, or an "
    "execution log (a .jsonl file), replayed first; without files, the bundled example "
    "session is reconciled with its bundled snapshot. The command exits with status 0 when "
    "there are no findings, 1 when there are some, and 2 when a file cannot be read or is "
    "not a document of its kind, a log holds several accounts and --account names none of "
    "them, or the command is misused."
)
_T = typing.TypeVar("_T")
_COLUMNS = ("id", "asset", "side", "type", "status", "filled/amount", "avg price", "commission",
            "reason")
_SHOWN_PLACES = Decimal("0.000001")
"""An average is shown to six decimal places at most (``--json`` keeps every digit)."""
_DISPLAY = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)
_LONGEST_SHOWN_REASON = 60


class _Parser(argparse.ArgumentParser):
    """Arguments whose misuse is told in one line on standard error, with status 2."""

    def error(self, message: str) -> typing.NoReturn:
        _error(f"{PROG}: {message} (see --help)")
        sys.exit(UNREADABLE)


def main(argv: Sequence[str] | None = None) -> int:
    parser = _Parser(prog=PROG, description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    replaying = commands.add_parser(
        "replay", help="replay a JSON Lines execution log and print the final orders"
    )
    replaying.add_argument(
        "files", nargs="*", metavar="FILE", help="the log to replay, or - for standard input "
        "(default: a bundled example session); several files, read in order, are replayed "
        "per account"
    )
    replaying.add_argument(
        "--accounts", action="store_true",
        help="replay one book per account (the lines' \"account\" field) and summarize each",
    )
    replaying.add_argument(
        "--workers", type=int, metavar="N",
        help="replay per account on a local Dask cluster of N processes (needs the dask extra)",
    )
    replaying.add_argument(
        "--scheduler", metavar="ADDRESS",
        help="replay per account on the Dask cluster at ADDRESS, e.g. tcp://host:8786",
    )
    replaying.add_argument(
        "--spill", metavar="DIR",
        help="with --workers or --scheduler and without --output: where the lines wait "
        "between the split and the replay, a directory every worker sees (default: a "
        "temporary directory of this machine, which only a local cluster sees)",
    )
    output = replaying.add_mutually_exclusive_group()
    output.add_argument(
        "--output", metavar="DIR",
        help="replay per account and write each account's book and refused lines, and a "
        "summary, into DIR (new or empty), instead of printing them; with --workers or "
        "--scheduler each worker writes the accounts it replays",
    )
    output.add_argument(
        "--json", action="store_true", help="print the book and the refused lines as JSON"
    )
    output.add_argument(
        "--summary", action="store_true",
        help="print counts and totals by status and by asset instead of every order",
    )
    replaying.add_argument(
        "--verify", action="store_true",
        help="check the chain of hashes a chained recorder writes (Recorder(..., "
        "chained=True)) and replay only a log that holds it whole: a log whose chain "
        "breaks, or that holds none, exits with status 3, naming the first line that "
        "breaks it",
    )
    commands.add_parser(
        "diagram", help="print the Mermaid state diagram generated from the transition table"
    )
    _add_reconcile(commands)
    arguments = parser.parse_args(argv)
    if arguments.command == "diagram":
        return _write(mermaid_diagram(), APPLIED)
    if arguments.command == "reconcile":
        if (arguments.book is None) != (arguments.snapshot is None):
            parser.error("reconcile takes a book and a snapshot, or neither (the bundled "
                         "example session and its snapshot)")
        return _reconcile(arguments.book, arguments.snapshot, arguments.account,
                          as_json=arguments.json)
    files: list[str] = arguments.files
    per_account = (len(files) > 1 or arguments.accounts or _on_a_cluster(arguments)
                   or arguments.output is not None or arguments.spill is not None)
    if per_account:
        return _replay_accounts(parser, arguments, files)
    file = files[0] if files else None
    verifier = ChainVerifier() if arguments.verify else None
    try:
        with _open_log(file) as log:
            reading = _Reading(log)
            lines = reading if verifier is None else verifier.passing(reading)
            result = replay(lines, progress=reading.report)
    except OSError as error:
        _error(f"{PROG}: cannot read {file}: {error.strerror or error}")
        return UNREADABLE
    if verifier is not None and not _verified([(_log_name(file), verifier.result())]):
        return UNVERIFIED
    status = REFUSED if result.refused_count else APPLIED
    if arguments.json:
        return _write(as_json(result), status)
    return _write(summarize(result) if arguments.summary else render(result), status)


def _add_reconcile(commands: argparse._SubParsersAction[_Parser]) -> None:
    reconciling = commands.add_parser(
        "reconcile", help="reconcile a book with a venue's snapshot: print the steps and "
        "the findings", description=RECONCILE_DESCRIPTION,
    )
    reconciling.add_argument(
        "book", metavar="BOOK", nargs="?",
        help="an OrderBook document, as orders.dumps writes it, or an execution log "
        f"(a {LOG_SUFFIX} file) to replay (default: the bundled example session)",
    )
    reconciling.add_argument(
        "snapshot", metavar="SNAPSHOT.json", nargs="?",
        help="a Snapshot document, as orders.dumps writes it (default: the bundled "
        "snapshot of the example session)",
    )
    reconciling.add_argument(
        "--account", metavar="NAME",
        help="the account whose book to reconcile, when the log holds several",
    )
    reconciling.add_argument(
        "--json", action="store_true",
        help="print one JSON object: the steps (each order id, event document and whether "
        "it was inferred) and the findings (each type, order id and text)",
    )


def _reconcile(
    book_path: str | None, snapshot_path: str | None, account: str | None, *, as_json: bool
) -> int:
    """Reconcile the book in ``book_path`` with the snapshot in ``snapshot_path``
    (the bundled example's when they are None)."""
    if book_path is None or book_path.endswith(LOG_SUFFIX):
        book = _replayed_book(book_path, account)
    elif account is not None:
        _error(f"{PROG}: --account chooses an account of a log ({LOG_SUFFIX}); "
               f"{book_path} is read as a book document")
        return UNREADABLE
    else:
        book = _document(book_path, "book", OrderBook)
    snapshot = None if book is None else _document(snapshot_path, "snapshot", Snapshot)
    if book is None or snapshot is None:
        return UNREADABLE
    reconciliation = reconcile(book, snapshot)
    status = FINDINGS if reconciliation.findings else NO_FINDINGS
    if as_json:
        return _write(reconciliation_json(reconciliation), status)
    return _write(render_reconciliation(reconciliation), status)


def _document(path: str | None, noun: str, kind: type[_T]) -> _T | None:
    """The ``kind`` of value the document in ``path`` (the bundled example
    snapshot when None) holds; None once an error has said why it cannot be read."""
    try:
        with _open_data(path, EXAMPLE_SNAPSHOT) as file:
            return loads(file.read(), kind)
    except OSError as error:
        reason = error.strerror or str(error)
    except OrderError as error:
        reason = str(error)
    shown = f"the example snapshot {EXAMPLE_SNAPSHOT}" if path is None else path
    _error(f"{PROG}: cannot read the {noun} {shown}: {reason}")
    return None


def _replayed_book(path: str | None, account: str | None) -> OrderBook | None:
    """The book of ``account`` (of the only account when None) that the log in
    ``path`` (the bundled example session when None) replays to; None once an
    error has said why there is none. Refused lines are noted on standard error."""
    try:
        with _open_log(path) as log:
            result = replay_accounts(log)
    except OSError as error:
        _error(f"{PROG}: cannot read the log {_log_name(path)}: {error.strerror or error}")
        return None
    chosen = _account_of(result, account, _log_name(path))
    if chosen is not None and result.refused_count:
        _note(f"{PROG}: {result.refused_count:,} lines of {_shown(_log_name(path))} were "
              "refused; the book is what the other lines make (python -m orders replay "
              "lists them)")
    return chosen


def _account_of(result: AccountsResult, account: str | None, log: str) -> OrderBook | None:
    """The book of ``account`` in a replay of ``log``; without an account, that of
    the only one (an empty book for a log of no operations). None once an error
    has said why it cannot be chosen."""
    names = list(result.accounts)
    if account is None and len(names) <= 1:
        return result.accounts[names[0]].book if names else OrderBook()
    if account is not None and account in result.accounts:
        return result.accounts[account].book
    listed = ", ".join(_account_name(name) for name in names)
    if account is None:
        _error(f"{PROG}: the log {log} holds several accounts ({listed}): choose one "
               "with --account NAME")
    else:
        _error(f"{PROG}: the log {log} holds no lines of account {account!r}; its "
               f"accounts: {listed or 'none'}")
    return None


def _account_name(name: str) -> str:
    """An account as messages name it: the lines that name none are ``(none)``."""
    return "(none)" if name == DEFAULT_ACCOUNT else repr(name)


def reconciliation_json(reconciliation: Reconciliation) -> str:
    """The steps, each with its event as a document, and the findings with their text."""
    return json_text({"steps": [step_json(step) for step in reconciliation.steps],
                       "findings": [finding_json(finding) for finding in reconciliation.findings]})


def render_reconciliation(reconciliation: Reconciliation) -> str:
    """The steps as a table of order ids and events, then the findings."""
    steps, findings = reconciliation.steps, reconciliation.findings
    lines = (_table([("order", "event"), *((step.order_id, _step_event(step)) for step in steps)],
                    numbers_right=False) if steps else ["no steps"])
    lines += ["", f"{len(steps)} steps, {len(findings)} findings"]
    lines += [f"  {_shown(finding.text)}" for finding in findings]
    return "\n".join(lines)


def _step_event(step: ReconcileStep) -> str:
    """The event's type and its fields that are set, as ``name=value``, marked
    when it is a fill inferred from the venue's totals."""
    fields = unstructure(step.event)["value"]
    shown = "".join(f" {name}={_field_text(value)}"
                    for name, value in fields.items() if value is not None)
    inferred = " (inferred)" if step.inferred else ""
    return f"{type(step.event).__name__}{shown}{inferred}"


def _field_text(value: object) -> str:
    """A field as its document writes it; a string bare unless it is empty or a
    space, quote or ``=`` would make it ambiguous."""
    if isinstance(value, str) and value and not any(mark in value for mark in ' "='):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _replay_accounts(
    parser: argparse.ArgumentParser, arguments: argparse.Namespace, files: list[str]
) -> int:
    """Replay ``files`` per account, in this process or on Dask, and print each account."""
    _check_per_account(parser, arguments, files)
    try:
        if arguments.verify and not _verified(
            (path, verify_chain(file_lines(path))) for path in files
        ):
            return UNVERIFIED
        if arguments.output is not None:
            return _write_accounts(arguments, files)
        if not _on_a_cluster(arguments):
            started = time.monotonic()
            result = replay_files(files, progress=lambda lines: _note(
                progress_text(lines, time.monotonic() - started, 0, None)))
        else:
            from orders.io import distributed

            result = distributed.replay_files_on_dask(
                files, workers=arguments.workers, scheduler=arguments.scheduler, progress=_note,
                spill=arguments.spill)
    except OSError as error:
        written = (arguments.output, arguments.spill)
        _error(f"{PROG}: {_failed_file(error, written)}{error.strerror or error}")
        return UNREADABLE
    except (OrderError, ImportError) as error:
        _error(f"{PROG}: {error}")
        return UNREADABLE
    except Exception as error:  # a cluster's own failure: a worker lost, a task cancelled
        if not _on_a_cluster(arguments):
            raise
        _error(f"{PROG}: the Dask run failed: {type(error).__name__}: {error}")
        return UNREADABLE
    status = REFUSED if result.refused_count else APPLIED
    if arguments.json:
        return _write(accounts_json(result), status)
    return _write(summarize_accounts(result), status)


def _on_a_cluster(arguments: argparse.Namespace) -> bool:
    """Whether the replay runs on Dask: a local cluster (``--workers``) or a
    running one (``--scheduler``)."""
    return arguments.workers is not None or arguments.scheduler is not None


def _failed_file(error: OSError, written: Iterable[str | None]) -> str:
    """What failed on the file an error names: writing it when it lies in one of
    the ``written`` directories (the output, the spill), reading it otherwise;
    nothing when it names none."""
    if error.filename is None:
        return ""
    name = os.fsdecode(error.filename)
    inside = any(root is not None and os.path.commonpath([absolute(name), absolute(root)])
                 == absolute(root) for root in written)
    return f"cannot {'write' if inside else 'read'} {name}: "


def _write_accounts(arguments: argparse.Namespace, files: list[str]) -> int:
    """Replay ``files`` per account into the directory ``--output``, in this process
    or on Dask, and print the summary."""
    if not _on_a_cluster(arguments):
        written = write_replay(files, arguments.output)
    else:
        from orders.io import distributed

        written = distributed.write_replay_on_dask(
            files, arguments.output, workers=arguments.workers, scheduler=arguments.scheduler,
            progress=_note)
    return _write(summarize_written(written), REFUSED if written.refused_count else APPLIED)


def _verified(checks: Iterable[tuple[str, ChainCheck]]) -> bool:
    """Whether each check found the chain of its log whole: if one did not,
    say why in one line; if all did, note how far each holds."""
    notes = []
    for log, check in checks:
        failure = _chain_failure(log, check)
        if failure is not None:
            _error(f"{PROG}: {failure}")
            return False
        notes.append(f"the chain of {_shown(log)} holds over {check.chained:,} lines, "
                     f"ending at {check.last}")
    for note in notes:
        _note(note)
    return True


def _chain_failure(log: str, check: ChainCheck) -> str | None:
    """Why ``check`` did not find the chain of ``log`` whole; None if it did."""
    if check.broken is not None:
        return (f"the chain of {log} breaks at line {check.broken.line_number}: "
                f"{check.broken.reason}")
    if check.last is None:
        return (f"nothing to verify: no line of {log} holds a chain (a recorder made "
                "with chained=True writes one)")
    return None


def _check_per_account(
    parser: argparse.ArgumentParser, arguments: argparse.Namespace, files: list[str]
) -> None:
    """Refuse the options a replay per account cannot honour."""
    if not files or "-" in files:
        parser.error("a replay per account reads files (not standard input)")
    if arguments.workers is not None and arguments.workers < 1:
        parser.error(f"--workers must be 1 or more; got {arguments.workers}")
    if arguments.workers is not None and arguments.scheduler is not None:
        parser.error("--workers starts a local cluster; --scheduler uses a running one: "
                     "give one of them")
    if arguments.summary:
        parser.error("--summary applies to the replay of one log; a replay per account "
                     "always prints a row per account (--json prints every book)")
    if arguments.spill is not None and (arguments.output is not None
                                        or not _on_a_cluster(arguments)):
        parser.error("--spill is for a replay with --workers or --scheduler without --output "
                     "(with --output the lines wait in the output directory)")


def accounts_json(result: AccountsResult) -> str:
    """Each account's book and refusals, and the lines that name no account."""
    return json_text(
        {
            "accounts": {name: account_document(account)
                         for name, account in result.accounts.items()},
            "lines": result.lines,
            "unassigned_count": result.unassigned_count,
            "unassigned": [refusal_json(refusal) for refusal in result.unassigned],
        }
    )


def summarize_accounts(result: AccountsResult, listed: int = 10) -> str:
    """One row per account: its orders by status, its lines and its refused lines;
    then the largest accounts and the first refused lines."""
    lines = _accounts_lines(counts_of(result), result.lines, result.refused_count)
    refused = sorted(
        (refusal for account in result.accounts.values() for refusal in account.refused),
        key=lambda refusal: refusal.line_number,
    )
    lines += _refused_lines([*result.unassigned, *refused][:listed], result.refused_count)
    lines += _reconciled_lines([line for account in result.accounts.values()
                                for line in account.reconciled])
    return "\n".join(lines)


def summarize_written(written: WrittenReplay, listed: int = 10) -> str:
    """As :func:`summarize_accounts`, for a replay written to a directory: the
    refused lines listed are those that name no account (each account's are in
    its document)."""
    lines = _accounts_lines(written.accounts, written.lines, written.refused_count)
    lines += _refused_lines(written.unassigned[:listed], written.refused_count)
    lines.append(f"written to {_shown(written.directory)}: {SUMMARY_FILE}, and each "
                 f"account's book and refused lines in {ACCOUNTS_FOLDER}/")
    return "\n".join(lines)


def _accounts_lines(
    accounts: Mapping[str, AccountCounts], lines: int, refused_count: int
) -> list[str]:
    """A row per account, the totals, and the accounts that hold most lines."""
    statuses = [status.name for status in ORDER_STATUS]
    rows: list[tuple[str, ...]] = [("account", "orders", *statuses, "lines", "refused")]
    rows += [(name or "(none)", f"{counts.orders:,}",
              *(f"{counts.statuses[status]:,}" for status in statuses),
              f"{counts.lines:,}", f"{counts.refused_count:,}")
             for name, counts in accounts.items()]
    table = _table(rows, numbers_right=True)
    table += ["", f"{len(accounts):,} accounts, {lines:,} lines replayed, "
                  f"{refused_count:,} refused"]
    return table + _largest_accounts(accounts, lines)


_LARGEST_SHOWN = 3


def _largest_accounts(accounts: Mapping[str, AccountCounts], lines: int) -> list[str]:
    """The accounts with most lines and their share of the log, when there are
    several: an account is replayed whole, so the largest bounds a distributed run."""
    if len(accounts) < 2 or not lines:
        return []
    largest = sorted(accounts.items(), key=lambda item: (-item[1].lines, item[0]))
    shown = ", ".join(f"{_shown(name) or '(none)'} {counts.lines:,} ({counts.lines / lines:.0%})"
                      for name, counts in largest[:_LARGEST_SHOWN])
    return [f"largest accounts by lines: {shown}"]


def _log_name(path: str | None) -> str:
    """How an error names the log read from ``path``."""
    if path is None:
        return f"the example log {EXAMPLE_LOG}"
    return "standard input" if path == "-" else path


def _open_log(path: str | None) -> typing.ContextManager[IO[bytes]]:
    """The log as bytes (``-``: standard input): replay decodes it line by line."""
    if path == "-":
        return nullcontext(sys.stdin.buffer)
    return _open_data(path, EXAMPLE_LOG)


@contextmanager
def _open_data(path: str | None, example: str) -> Iterator[IO[bytes]]:
    """The file at ``path`` as bytes; None is the bundled file named ``example``."""
    if path is None:
        with resources.files("orders").joinpath("data", example).open("rb") as data:
            yield data
    else:
        with open(path, "rb") as data:
            yield data


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _shown(text: str) -> str:
    """``text`` from a log or a file name as one line a terminal shows as it is:
    a control character or a lone surrogate is written as its escape (``\\n``,
    ``\\x1b``, ``\\ud800``), and then a backslash as ``\\\\``, so that the escapes
    cannot be mistaken for text; text without any is unchanged."""
    if _UNPRINTABLE.search(text) is None:
        return text
    return _UNPRINTABLE.sub(_escape, text.replace("\\", "\\\\"))


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    return _NAMED_ESCAPES.get(character) or character.encode("unicode_escape").decode("ascii")


def _put(stream: IO[str] | None, text: str) -> None:
    """Write ``text`` and a line end to ``stream``, in UTF-8 whatever the locale,
    what UTF-8 cannot hold escaped. A stream that is closed (``None``) or whose
    reader stopped listening (``| head``) takes nothing, without an error."""
    if stream is None:
        return
    shown = utf8_text(text) + "\n"
    try:
        stream.flush()
        binary = getattr(stream, "buffer", None)
        if binary is None:  # a text stream put in place of the standard one
            stream.write(shown)
        else:
            binary.write(shown.encode("utf-8"))
            binary.flush()
    except BrokenPipeError:
        _discard(stream)


def _discard(stream: IO[str]) -> None:
    """Point a stream whose reader has gone at nothing, so that Python's own flush
    at exit succeeds."""
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return
    os.dup2(os.open(os.devnull, os.O_WRONLY), descriptor)


def _error(message: str) -> None:
    _put(sys.stderr, _shown(message))


def _note(message: str) -> None:
    """A progress report, on standard error."""
    _put(sys.stderr, message)


def _write(text: str, status: int) -> int:
    """Print ``text`` in UTF-8 and return ``status``, whether or not anyone reads it."""
    _put(sys.stdout, text)
    return status


class _Reading:
    """The lines of a log, counting the bytes read so that progress can tell the rest."""

    def __init__(self, log: IO[bytes]) -> None:
        self.log = log
        self.read = 0
        self.size = _size(log)
        self.started = time.monotonic()

    def __iter__(self) -> Iterator[bytes]:
        for line in self.log:
            self.read += len(line)
            yield line

    def report(self, lines: int) -> None:
        elapsed = time.monotonic() - self.started
        _note(progress_text(lines, elapsed, self.read, self.size))


def _size(log: IO[bytes]) -> int | None:
    """The log's length in bytes, if it is a regular file."""
    try:
        status = os.fstat(log.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return None
    return status.st_size if stat.S_ISREG(status.st_mode) else None


def progress_text(lines: int, elapsed: float, read: int, size: int | None) -> str:
    """``replayed N lines at R lines/s``, with the share read and the time left
    when the log's size is known (the rest estimated from the bytes per second so far)."""
    rate = lines / elapsed if elapsed > 0 else 0.0
    text = f"replayed {lines:,} lines at {rate:,.0f} lines/s"
    if not size or not read or elapsed <= 0:
        return text
    left = (size - read) * elapsed / read
    return f"{text}, {min(read / size, 1.0):.0%} of the log, about {_duration(left)} left"


def _duration(seconds: float) -> str:
    whole = max(round(seconds), 0)
    hours, rest = divmod(whole, 3600)
    minutes, seconds_left = divmod(rest, 60)
    if hours:
        return f"{hours}h {minutes:02d}m"
    if minutes:
        return f"{minutes}m {seconds_left:02d}s"
    return f"{seconds_left}s"


def _reconciled_lines(reconciled: Sequence[Reconciled]) -> list[str]:
    """Each snapshot line applied: where, how many steps it applied, and its
    findings; nothing when there were none."""
    lines = [f"{len(reconciled):,} snapshot lines reconciled"] if reconciled else []
    for line in reconciled:
        where = (f"{_shown(line.source)}:{line.line_number}" if line.source
                 else f"line {line.line_number}")
        lines.append(f"  {where}: snapshot reconciled, {len(line.steps)} steps applied, "
                     f"{len(line.findings)} findings")
        lines += [f"    {_shown(finding.text)}" for finding in line.findings]
    return lines


def render(result: ReplayResult) -> str:
    """The final orders as a table, then the refused lines."""
    lines = _table([_COLUMNS, *(_row(order) for order in _in_order(result.book))],
                   numbers_right=False)
    lines.append("")
    counts = Counter(order.status.name for order in result.book.orders.values())
    lines.append(f"{len(result.book)} orders: "
                 + ", ".join(f"{count} {status}" for status, count in sorted(counts.items())))
    lines.append(f"{result.lines} lines replayed, {result.refused_count} refused")
    lines += _refused_lines(result.refused, result.refused_count)
    lines += _reconciled_lines(result.reconciled)
    return "\n".join(lines)


def summarize(result: ReplayResult, listed: int = 10) -> str:
    """Counts and totals instead of every order: by status, by asset, and the
    first ``listed`` refused lines."""
    orders = list(result.book.orders.values())
    by_status = Counter(order.status.name for order in orders)
    columns = ("asset", "orders", "working", "bought", "sold", "notional", "commission")
    rows = [columns, *(_asset_row(asset, group) for asset, group in _by_asset(orders))]
    lines = [f"{len(orders):,} orders: "
             + ", ".join(f"{count:,} {status}" for status, count in sorted(by_status.items())),
             ""]
    lines += _table(rows, numbers_right=True)
    lines += ["", f"{result.lines:,} lines replayed, {result.refused_count:,} refused"]
    lines += _refused_lines(result.refused[:listed], result.refused_count)
    lines += _reconciled_lines(result.reconciled)
    return "\n".join(lines)


def _table(rows: Sequence[Sequence[str]], *, numbers_right: bool) -> list[str]:
    """``rows`` (the first is the header) in columns, a rule under the header;
    with ``numbers_right`` every column but the first is aligned right. Cells
    are measured as they are shown, escapes included."""
    rows = [[_shown(text) for text in row] for row in rows]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]

    def cell(i: int, text: str) -> str:
        return text.rjust(widths[i]) if numbers_right and i else text.ljust(widths[i])

    lines = ["  ".join(cell(i, text) for i, text in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


def _refused_lines(shown: Sequence[Refusal], total: int) -> list[str]:
    """The refusals ``shown``, each with its file when it has one, and how many
    of the ``total`` are not."""
    lines = [f"  {_shown(refusal.source)}:{refusal.line_number}: {_shown(refusal.reason)}"
             if refusal.source else f"  line {refusal.line_number}: {_shown(refusal.reason)}"
             for refusal in shown]
    if total > len(shown):
        lines.append(f"  and {total - len(shown):,} more refused lines, not listed")
    return lines


def _by_asset(orders: list[DecimalOrder]) -> list[tuple[str, list[DecimalOrder]]]:
    """The orders of each asset, labelled by symbol and, where there is one, exchange
    (AAPL on two exchanges is two rows)."""
    groups: dict[Hashable, list[DecimalOrder]] = {}
    for order in orders:
        groups.setdefault(order.asset, []).append(order)
    labelled = [(_asset_label(asset), group) for asset, group in groups.items()]
    return sorted(labelled, key=lambda item: item[0])


def _asset_label(asset: Hashable) -> str:
    """A symbol, with its exchange when it has one; an identifier that is not a
    string with its type, so that 1 and "1" differ."""
    if isinstance(asset, Asset):
        return asset.symbol if asset.exchange is None else f"{asset.symbol} ({asset.exchange})"
    return asset if isinstance(asset, str) else f"{asset!r} ({type(asset).__name__})"


def _asset_row(asset: str, orders: list[DecimalOrder]) -> tuple[str, ...]:
    working = sum(order.open for order in orders)
    bought = exact_sum(order.filled for order in orders if order.filled > 0)
    sold = exact_sum(order.filled.copy_abs() for order in orders if order.filled < 0)
    return (asset, f"{len(orders):,}", f"{working:,}", f"{bought:f}", f"{sold:f}",
            f"{exact_sum(order.notional for order in orders):f}",
            f"{exact_sum(order.commission for order in orders):f}")


def _in_order(book: OrderBook) -> list[DecimalOrder]:
    return sorted(book.orders.values(), key=lambda order: (order.created, order.id))


def _row(order: DecimalOrder) -> tuple[str, ...]:
    return (
        order.id,
        str(order.asset),
        order.side,
        order.order_type.value,
        order.status.name,
        f"{order.filled.copy_abs():f}/{order.amount.copy_abs():f}",
        _average(order.filled_price),
        f"{order.commission:f}",
        _shortened(order.reason),
    )


def _average(average: Decimal | None) -> str:
    """The average to six places at most, marked with ``~`` when rounded."""
    if average is None:
        return "-"
    shown = _DISPLAY.quantize(average, _SHOWN_PLACES)
    if shown == average:
        return f"{average:f}"
    return f"~{_DISPLAY.normalize(shown):f}"


def _shortened(reason: str) -> str:
    if len(reason) <= _LONGEST_SHOWN_REASON:
        return reason
    return reason[: _LONGEST_SHOWN_REASON - 3] + "..."


if __name__ == "__main__":
    sys.exit(main())
