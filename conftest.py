"""Test-suite configuration: Hypothesis profiles and the Markdown examples.

Under CI (the ``CI`` environment variable set) Hypothesis runs derandomized,
so a CI result can be reproduced exactly; elsewhere it explores new inputs on
every run.

Every ```` ```python ```` block of a collected Markdown file runs, in order, in
one namespace per file. When an ```` ```output ```` block follows a Python
block, what the Python block printed must equal it exactly, so no example can
drift from the code.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

_FENCE = re.compile(r"^```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^```\s*$", re.M | re.S)


def pytest_collect_file(parent: pytest.Collector, file_path: Path) -> pytest.Collector | None:
    if file_path.suffix == ".md":
        return MarkdownFile.from_parent(parent, path=file_path)
    return None


class MarkdownFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        if any(lang == "python" for lang, _, _ in _blocks(self.path.read_text())):
            yield MarkdownExamples.from_parent(self, name="examples")


class MarkdownExamples(pytest.Item):
    def runtest(self) -> None:
        namespace: dict[str, object] = {"__name__": f"docs_{self.path.stem}"}
        printed: str | None = None
        for lang, line, body in _blocks(self.path.read_text()):
            if lang == "python":
                printed = _run(body, f"{self.path}:{line}", namespace)
            elif lang == "output":
                if printed is None:
                    raise MarkdownExampleError(f"{self.path}:{line}: output block without code")
                if printed != body:
                    raise MarkdownExampleError(
                        f"{self.path}:{line}: the example printed\n{printed}\n"
                        f"but the document shows\n{body}"
                    )
                printed = None

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException]) -> str:
        if isinstance(excinfo.value, MarkdownExampleError):
            return str(excinfo.value)
        return super().repr_failure(excinfo)  # type: ignore[return-value]

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, 0, f"examples in {self.path.name}"


class MarkdownExampleError(AssertionError):
    """A documentation example printed something other than what it shows."""


def _blocks(text: str) -> Iterator[tuple[str, int, str]]:
    for match in _FENCE.finditer(text):
        yield match["lang"], text.count("\n", 0, match.start()) + 1, match["body"]


def _run(source: str, where: str, namespace: dict[str, object]) -> str:
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        # dont_inherit: an example runs as a user's module would, without this
        # file's ``from __future__ import annotations``.
        exec(compile(source, where, "exec", dont_inherit=True), namespace)
    return buffer.getvalue()
