"""Every install instruction installs something: the hints, the docs and pyproject agree."""

from __future__ import annotations

import importlib
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from orders import to_dataframe
from orders._extras import EXTRAS, install_hint

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
DECLARED = PROJECT["optional-dependencies"]
WHEEL = f"dist/orders-{PROJECT['version']}-py3-none-any.whl"
_PIP_INSTALL = re.compile(r"pip install ([^`\n()&]+)")


def test_the_hints_name_the_extras_pyproject_declares() -> None:
    for extra, requirements in EXTRAS.items():
        assert list(requirements) == DECLARED[extra], extra


def _install_commands() -> Iterator[tuple[str, str]]:
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             *sorted((ROOT / "orders").rglob("*.py"))]
    for path in texts:
        if path.name == "_extras.py":  # its template is checked through install_hint below
            continue
        for match in _PIP_INSTALL.finditer(path.read_text()):
            yield path.name, match.group(1)
    for extra in EXTRAS:
        for match in _PIP_INSTALL.finditer(install_hint(extra)):
            yield f"hint of {extra}", match.group(1)


def _installable(target: str) -> bool:
    known = {requirement for requirements in DECLARED.values() for requirement in requirements}
    source, _, extras = target.partition("[")
    if source in (".", WHEEL) and extras:
        return all(extra in DECLARED for extra in extras.rstrip("]").split(","))
    return target in (".", WHEEL) or target in known


def test_every_install_instruction_installs_the_checkout_a_wheel_or_a_declared_package() -> None:
    commands = list(_install_commands())
    assert len(commands) >= 8
    for where, command in commands:
        targets = [word for word in shlex.split(command, comments=True) if not word.startswith("-")]
        targets = [word for word in targets if not word.startswith("editable_mode")]
        assert targets, (where, command)
        for target in targets:
            assert _installable(target), f"{where}: pip install {command}"


@pytest.mark.parametrize(
    ("module", "use", "extra"),
    [("pandas", lambda: to_dataframe([]), "pandas"),
     ("distributed",
      lambda: importlib.import_module("orders.io.distributed").dask_distributed(),
      "dask")],
)
def test_a_missing_extra_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, module: str, use: object, extra: str
) -> None:
    real_import = importlib.import_module

    def without(name: str, package: str | None = None) -> object:
        if name == module:
            raise ImportError(name)
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", without)
    with pytest.raises(ImportError, match=re.escape(install_hint(extra))):
        use()  # type: ignore[operator]


def test_the_strategies_without_hypothesis_name_their_module_and_extra() -> None:
    code = (
        "import sys\n"
        "sys.modules['hypothesis'] = None\n"
        "try:\n"
        "    import orders.testing.strategies\n"
        "except ImportError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.startswith("orders.testing.strategies needs the 'testing' extra: ")
