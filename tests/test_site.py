"""The built documentation site: a complete API reference, and no network needed."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import orders
from orders.testing import strategies

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site_dir = tmp_path_factory.mktemp("site")
    build(load_config(str(ROOT / "mkdocs.yml"), site_dir=str(site_dir)))
    return site_dir


def _own_methods_and_properties(cls: type) -> list[str]:
    own = vars(cls)
    return [
        name
        for name, value in own.items()
        if not name.startswith("_")
        and (inspect.isfunction(value) or isinstance(value, property | classmethod | staticmethod))
    ]


def test_the_reference_documents_every_public_method_and_property(site: Path) -> None:
    page = (site / "api.html").read_text()
    expected = [f"orders.{name}" for name in orders.__all__]
    expected += [f"orders.testing.strategies.{name}" for name in strategies.__all__]
    for name in orders.__all__:
        obj = getattr(orders, name)
        if inspect.isclass(obj):
            expected += [f"orders.{name}.{member}" for member in _own_methods_and_properties(obj)]
    assert "orders.DecimalOrder.remaining" in expected
    assert [anchor for anchor in expected if f'id="{anchor}"' not in page] == []
    assert ":class:`" not in page


def test_pages_load_no_script_or_stylesheet_from_the_network(site: Path) -> None:
    tags = re.compile(r"<(?:script|link)\b[^>]*>")
    remote = re.compile(r"""(?:src|href)=["'](?:https?:)?//""")
    for page in site.glob("*.html"):
        loaded = [tag for tag in tags.findall(page.read_text()) if 'rel="canonical"' not in tag]
        assert [tag for tag in loaded if remote.search(tag)] == [], page.name


def test_the_state_diagram_is_drawn_by_the_bundled_mermaid(site: Path) -> None:
    page = (site / "state-machine.html").read_text()
    assert 'class="mermaid"' in page
    assert '<script src="javascripts/mermaid.min.js">' in page
    assert (site / "javascripts" / "mermaid.min.js").stat().st_size > 1_000_000


def test_annotations_are_types_and_anchors_are_short(site: Path) -> None:
    page = (site / "api.html").read_text()
    assert "DecimalInput" in page
    assert "'DecimalInput" not in page
    assert "&#39;DecimalInput" not in page
    anchors = re.findall(r'id="([^"]+)"', page)
    assert max(map(len, anchors)) <= 60
