"""A replay's results written to a directory: a document per account and a summary.

A replay of many accounts can write its results instead of returning them
(:func:`write_replay` in one process,
:func:`orders.distributed.write_replay_on_dask` on a cluster, ``python -m
orders replay --output DIR``). The directory then holds:

- ``accounts/NAME.json``: one document per account, the same text as
  ``python -m orders replay --json`` prints for that account's lines alone
  (its book as :func:`orders.dumps` writes it, its lines, refusals and
  reconciled snapshot lines), where ``NAME`` is :func:`account_file_name`;
- ``summary.json``: for each account its file and counts (orders by status,
  lines, refused lines), the lines read, and the lines refused before their
  account was known.

Each account's document is written by the process that replayed it, and
whoever writes them, the files are the same bytes. The writes go to a
temporary name first and are renamed into place, so a file is never seen half
written, and a task that runs again replaces what it wrote.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import attrs

from orders.book.orderbook import OrderBook
from orders.book.reconcile import Finding, ReconcileStep
from orders.errors import BadOrderParameters, OutputNotShared, SerializationError
from orders.io.documents import parse_json, structure, unstructure
from orders.io.replay import (
    AccountsResult,
    Reconciled,
    Refusal,
    RefusedInAll,
    ReplayResult,
    checked_paths,
    replay_files,
)
from orders.statuses import ORDER_STATUS

__all__ = [
    "ACCOUNTS_FOLDER",
    "SHARED_OUTPUT",
    "SPILL_FOLDER",
    "SUMMARY_FILE",
    "AccountCounts",
    "OutputNotShared",
    "OutputRun",
    "WrittenReplay",
    "absolute",
    "account_document",
    "account_file_name",
    "account_json",
    "check_marked",
    "check_shared",
    "counts_of",
    "counts_of_account",
    "discard",
    "finding_json",
    "json_text",
    "mark_folder",
    "marked",
    "output_run",
    "prepare_output",
    "read_written",
    "reconciled_json",
    "refusal_json",
    "step_json",
    "utf8_text",
    "write_account",
    "write_mark",
    "write_replay",
    "write_summary",
    "write_whole",
    "written_book",
]

ACCOUNTS_FOLDER = "accounts"
"""The folder, in an output directory, of the accounts' documents."""
SUMMARY_FILE = "summary.json"
"""The summary of a written replay, in its output directory."""
SPILL_FOLDER = ".partitions"
"""The beginning of the folder's name, in an output directory, where a
distributed run keeps the lines between its split and its replay (removed
before the summary is written); the rest is the run's token."""
_MARK = ".orders-run"
"""A file a run writes first and removes last: the processes that write the
accounts check that they see it, so a directory that is not shared is found."""
_LONGEST_NAME = 120
"""Characters of an account's file name before the rest is replaced by a hash."""
_KEPT = re.compile(r"[a-z0-9_\-]")
_DEVICES = frozenset(["con", "prn", "aux", "nul", *(f"{port}{number}" for port in ("com", "lpt")
                                                    for number in range(1, 10))])
"""Names Windows gives to devices, whatever the extension: a file cannot have them."""


@attrs.frozen
class AccountCounts:
    """What a written account holds, counted."""

    file: str
    """Its document, relative to the output directory (``accounts/NAME.json``)."""
    orders: int
    """The orders in its final book."""
    statuses: dict[str, int]
    """Its orders by status, every status named (a count of 0 included)."""
    lines: int
    refused_count: int


@attrs.frozen
class WrittenReplay(RefusedInAll):
    """A replay written to a directory: the counts, not the books."""

    directory: str
    """The output directory, as an absolute path."""
    accounts: dict[str, AccountCounts]
    """Each account's counts, in the order of the account names."""
    unassigned: tuple[Refusal, ...]
    """The first refused lines that name no readable account, up to ``keep_refused``."""
    unassigned_count: int
    lines: int
    """Every line read, blank ones included."""


def account_file_name(name: str) -> str:
    """The file of account ``name`` in ``accounts/``: the same on every system,
    and different for different names even where file names ignore case.

    Lower-case ASCII letters, digits, ``_`` and ``-`` are kept; every other
    character is written as ``%XX`` for each byte of its UTF-8 form (a lone
    surrogate as its three bytes), so ``Alice`` is ``%41lice.json``. The
    default account (the empty name) is ``(none).json``. A name that would
    give more than 120 characters keeps its first ones and ends with ``~`` and
    a SHA-256 of the name. A name Windows keeps for a device (``con``,
    ``nul``, ``com1``, ...) has its first letter escaped too (``%63on.json``)."""
    if not name:
        return "(none).json"
    pieces = [character if _KEPT.fullmatch(character) else _percent(character)
              for character in name]
    if name in _DEVICES:
        pieces[0] = _percent(name[0])
    encoded = "".join(pieces)
    if len(encoded) > _LONGEST_NAME:
        digest = hashlib.sha256(name.encode("utf-8", "surrogatepass")).hexdigest()[:32]
        kept, length = [], 0
        for piece in pieces:
            if length + len(piece) > _LONGEST_NAME - len(digest) - 1:
                break
            kept.append(piece)
            length += len(piece)
        encoded = "".join(kept) + "~" + digest
    return encoded + ".json"


def _percent(character: str) -> str:
    return "".join(f"%{byte:02X}" for byte in character.encode("utf-8", "surrogatepass"))


def account_json(result: ReplayResult) -> str:
    """An account's result as one JSON document (:func:`account_document`)."""
    return json_text(account_document(result))


def account_document(result: ReplayResult) -> dict[str, object]:
    """An account's result: its book (as :func:`orders.dumps` writes it), its
    lines, its refusals and its reconciled snapshot lines."""
    return {
        "book": unstructure(result.book),
        "lines": result.lines,
        "refused_count": result.refused_count,
        "refused": [refusal_json(refusal) for refusal in result.refused],
        "reconciled": [reconciled_json(line) for line in result.reconciled],
    }


def json_text(data: object) -> str:
    """``data`` as compact JSON with sorted keys, its text exact (not ASCII-escaped)."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def utf8_text(text: str) -> str:
    """``text`` with what UTF-8 cannot hold (a lone surrogate, from a log or a
    file name) written as a Python escape, ``\\ud800``: in JSON text that is
    the string's own escape, so it loads back to the same string."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def refusal_json(refusal: Refusal) -> dict[str, object]:
    """A refusal's fields; its source only when it was read from a file."""
    fields: dict[str, object] = {"line_number": refusal.line_number,
                                 "excerpt": refusal.excerpt, "reason": refusal.reason}
    if refusal.source is not None:
        fields["source"] = refusal.source
    return fields


def reconciled_json(line: Reconciled) -> dict[str, object]:
    """A snapshot line's number, the steps applied and the findings; its file
    when the replay read files."""
    fields: dict[str, object] = {"line_number": line.line_number,
                                 "steps": [step_json(step) for step in line.steps],
                                 "findings": [finding_json(finding) for finding in line.findings]}
    if line.source is not None:
        fields["source"] = line.source
    return fields


def step_json(step: ReconcileStep) -> dict[str, object]:
    return {"order_id": step.order_id, "event": unstructure(step.event),
            "inferred": step.inferred}


def finding_json(finding: Finding) -> dict[str, object]:
    return {"type": type(finding).__name__, "order_id": finding.order_id, "text": finding.text}


@attrs.frozen
class OutputRun:
    """A run writing into its output directory: where, the token of its mark,
    and what it made.

    Its accounts' documents are written into a folder of the run's own
    (:attr:`accounts`), renamed ``accounts`` when the run ends, so that a task
    of an earlier run of the same directory, still running after that run
    failed, can never write into this one."""

    directory: str
    """The output directory, as an absolute path."""
    token: str
    made: tuple[str, ...]
    """The directories the run made to reach it, the deepest first (removed
    when the run fails)."""

    @property
    def accounts(self) -> str:
        """Where the run's tasks write the accounts' documents until it ends."""
        return os.path.join(self.directory, f".{ACCOUNTS_FOLDER}-{self.token}")

    @property
    def spill(self) -> str:
        """The run's spill folder, when it needs one (:data:`SPILL_FOLDER`)."""
        return os.path.join(self.directory, f"{SPILL_FOLDER}-{self.token}")

    def check(self) -> None:
        """Refuse to write unless this process sees the directory the run prepared:
        a process on another machine that does not share it would otherwise
        write results nobody reads."""
        check_shared(self.directory, self.token)

    def finish(self) -> None:
        """Put the accounts' documents in place: the run has written them all."""
        os.rename(self.accounts, os.path.join(self.directory, ACCOUNTS_FOLDER))

    def abandon(self) -> None:
        """Remove what the run wrote, and the directories it made, so that the
        directory is as the run found it."""
        for path in (self.accounts, self.spill,
                     *(os.path.join(self.directory, name)
                       for name in (ACCOUNTS_FOLDER, SUMMARY_FILE, _MARK))):
            discard(path, self.token)
        for made in self.made:
            with contextlib.suppress(OSError):
                os.rmdir(made)


def discard(path: str, token: str) -> None:
    """Remove ``path``, a file or a folder with all it holds, if it is there. It is
    renamed first, to a hidden name with the run's ``token``, so that a task
    still writing into it fails rather than adds to it while it is removed."""
    doomed = os.path.join(os.path.dirname(path), f".removed-{token}-{os.path.basename(path)}")
    try:
        os.rename(path, doomed)
    except FileNotFoundError:
        return
    if os.path.isdir(doomed):
        shutil.rmtree(doomed, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(doomed)


def absolute(path: str | os.PathLike[str]) -> str:
    """``path`` made absolute against this process's working directory, its ``..``
    kept: after a symbolic link, ``..`` leads where the system says, not where
    the text does, and the processes given the path open it as this one would."""
    return os.path.join(os.getcwd(), os.fspath(path))


def prepare_output(directory: str | os.PathLike[str]) -> OutputRun:
    """Make ``directory`` ready for a run: it is created if missing and must be
    empty.

    A relative path is resolved against this process's working directory, so
    that processes elsewhere are given the same directory."""
    path = absolute(directory)
    if os.path.exists(path) and not os.path.isdir(path):
        raise BadOrderParameters(f"the output {path!r} is not a directory; "
                                 "give a new or an empty directory")
    made = _missing_directories(path)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as error:
        raise BadOrderParameters(f"the output directory {path!r} cannot be made: "
                                 f"{error.strerror or error}") from None
    run = OutputRun(path, secrets.token_hex(16), made)
    try:
        if os.listdir(path):
            raise BadOrderParameters(f"the output directory {path!r} is not empty; give a "
                                     "new or an empty directory (a run never mixes its "
                                     "results with others)")
        os.mkdir(run.accounts)
        write_mark(path, run.token)
    except BaseException:
        run.abandon()
        raise
    return run


def _missing_directories(path: str) -> tuple[str, ...]:
    """The directories that do not exist on the way to ``path``, the deepest first."""
    missing = []
    while not os.path.exists(path):
        missing.append(path)
        parent = os.path.dirname(path)
        if parent == path:
            break
        path = parent
    return tuple(missing)


@contextlib.contextmanager
def output_run(directory: str | os.PathLike[str]) -> Iterator[OutputRun]:
    """A run into ``directory`` (:func:`prepare_output`) that, if it fails, leaves
    the directory as it found it (:meth:`OutputRun.abandon`)."""
    run = prepare_output(directory)
    try:
        yield run
    except BaseException:
        run.abandon()
        raise


def mark_folder(folder: str) -> str:
    """Mark ``folder`` as a run's own with a new token, and return the token:
    the processes of the run check that they see the mark (:func:`marked`)."""
    token = secrets.token_hex(16)
    write_mark(folder, token)
    return token


def write_mark(folder: str, token: str) -> None:
    Path(folder, _MARK).write_text(token, encoding="ascii")


def marked(folder: str, token: str) -> bool:
    """Whether ``folder``, as this process sees it, holds the mark of ``token``
    (:func:`mark_folder`)."""
    try:
        return Path(folder, _MARK).read_text(encoding="ascii") == token
    except OSError:
        return False


SHARED_OUTPUT = "give an output directory on a file system every worker shares"
"""What makes an output directory right for a cluster, for the error of a worker
that does not see it."""


def check_shared(directory: str, token: str) -> None:
    """Refuse to write into ``directory`` unless it is the one the run prepared
    (:func:`prepare_output`) with ``token``: a process on another machine that
    does not share it would otherwise write results nobody reads."""
    check_marked(directory, token, "output directory", SHARED_OUTPUT)


def check_marked(folder: str, token: str, what: str, advice: str) -> None:
    """Raise :class:`OutputNotShared` unless this process sees ``folder`` with the
    mark of ``token``: ``what`` names the folder, ``advice`` says how to share it."""
    if not marked(folder, token):
        raise OutputNotShared(
            f"the {what} {folder!r} on this machine is not the one the run made: every "
            f"worker must see it, on a shared file system at the same path; {advice}"
        )


def write_account(run: OutputRun, name: str, result: ReplayResult) -> AccountCounts:
    """Write account ``name``'s document for ``run`` and return its counts."""
    file = account_file_name(name)
    _write_document(os.path.join(run.accounts, file), account_json(result))
    return counts_of_account(f"{ACCOUNTS_FOLDER}/{file}", result)


def counts_of_account(file: str, result: ReplayResult) -> AccountCounts:
    by_status = Counter(order.status.name for order in result.book.orders.values())
    return AccountCounts(file, len(result.book),
                         {status.name: by_status[status.name] for status in ORDER_STATUS},
                         result.lines, result.refused_count)


def counts_of(result: AccountsResult) -> dict[str, AccountCounts]:
    """Each account's counts, as a written replay would give them."""
    return {name: counts_of_account(f"{ACCOUNTS_FOLDER}/{account_file_name(name)}", account)
            for name, account in result.accounts.items()}


def write_summary(
    run: OutputRun,
    accounts: Mapping[str, AccountCounts],
    unassigned: Sequence[Refusal],
    unassigned_count: int,
    lines: int,
) -> WrittenReplay:
    """Write ``summary.json`` from the accounts' counts and end the run."""
    run.check()
    written = WrittenReplay(run.directory, {name: accounts[name] for name in sorted(accounts)},
                            tuple(unassigned), unassigned_count, lines)
    run.finish()
    _write_document(os.path.join(run.directory, SUMMARY_FILE), json_text(_summary(written)))
    Path(run.directory, _MARK).unlink()
    return written


def _summary(written: WrittenReplay) -> dict[str, Any]:
    return {
        "accounts": {name: attrs.asdict(counts) for name, counts in written.accounts.items()},
        "lines": written.lines,
        "refused_count": written.refused_count,
        "unassigned_count": written.unassigned_count,
        "unassigned": [refusal_json(refusal) for refusal in written.unassigned],
    }


def _write_document(path: str, text: str) -> None:
    """Write ``text`` and a line end to ``path`` in UTF-8 (:func:`write_whole`)."""
    write_whole(path, [(utf8_text(text) + "\n").encode("utf-8")])


def write_whole(path: str, parts: Iterable[bytes | bytearray]) -> None:
    """Write ``parts`` to ``path`` under a temporary name of its own first, so that
    ``path`` never holds part of them, even while a task run again by the
    scheduler writes it too."""
    partial = f"{path}.{secrets.token_hex(8)}.partial"
    with open(partial, "wb") as file:
        file.writelines(parts)
    os.replace(partial, path)


def write_replay(
    paths: Sequence[str | os.PathLike[str]],
    directory: str | os.PathLike[str],
    *,
    keep_refused: int = 10_000,
    retention: timedelta | None = None,
) -> WrittenReplay:
    """Replay log files per account in this process, as
    :func:`~orders.io.replay.replay_files` does, and write the results to
    ``directory`` (new, or empty) instead of returning the books."""
    files = checked_paths(paths)
    with output_run(directory) as run:
        result = replay_files(files, keep_refused=keep_refused, retention=retention)
        counts = {name: write_account(run, name, account)
                  for name, account in result.accounts.items()}
        return write_summary(run, counts, result.unassigned, result.unassigned_count,
                             result.lines)


def read_written(directory: str | os.PathLike[str]) -> WrittenReplay:
    """The summary of the replay written to ``directory``."""
    path = absolute(directory)
    data = json.loads(Path(path, SUMMARY_FILE).read_text(encoding="utf-8"))
    return WrittenReplay(
        path,
        {name: AccountCounts(**counts) for name, counts in data["accounts"].items()},
        tuple(_refusal(fields) for fields in data["unassigned"]),
        data["unassigned_count"],
        data["lines"],
    )


def _refusal(fields: dict[str, Any]) -> Refusal:
    return Refusal(fields["line_number"], fields["excerpt"], fields["reason"],
                   fields.get("source"))


def written_book(directory: str | os.PathLike[str], name: str) -> OrderBook:
    """The final book of account ``name`` of the replay written to ``directory``."""
    file = Path(directory, ACCOUNTS_FOLDER, account_file_name(name))
    document = parse_json(file.read_bytes())
    if not isinstance(document, dict) or "book" not in document:
        raise SerializationError(f"{str(file)!r} is not an account's document: it holds no "
                                 "\"book\"", path="$.book")
    return structure(document["book"], OrderBook)

