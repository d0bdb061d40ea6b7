"""The optional dependencies of `orders`, and how an ``ImportError`` says to install them.

`orders` is installed from its source (a checkout or a built wheel), so a hint
names the packages an extra brings, which install from any index, and the
extra itself as installed from a checkout.
"""

from __future__ import annotations

from collections.abc import Mapping

EXTRAS: Mapping[str, tuple[str, ...]] = {
    "testing": ("hypothesis>=6.100",),
    "pandas": ("pandas>=2.0",),
    "dask": ("dask[distributed]>=2024.1",),
    "plot": ("matplotlib>=3.8",),
}


def install_hint(extra: str) -> str:
    """The commands that install ``extra``: its packages, or the extra from a checkout."""
    packages = " ".join(f"'{requirement}'" for requirement in EXTRAS[extra])
    return f"pip install {packages} (or, in a checkout of orders: pip install '.[{extra}]')"


def missing_extra(feature: str, extra: str) -> ImportError:
    """The error raised when ``feature`` is used without the packages of ``extra``."""
    return ImportError(f"{feature} needs the {extra!r} extra: {install_hint(extra)}")
