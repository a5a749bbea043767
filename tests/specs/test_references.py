"""The specs cite only what the repository has: their relative links resolve, and no
document leans on a design document that is not in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPECS = sorted([ROOT / "README.md", *ROOT.glob("specs/*.md")])
DOCUMENTS = sorted([*SPECS, *ROOT.glob("docs/*.md")])
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE = re.compile(r"```.*?```|`[^`\n]*`", re.S)


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


@pytest.mark.parametrize("document", DOCUMENTS, ids=name)
def test_no_missing_design_document_is_cited(document):
    assert "DESIGN" not in document.read_text(encoding="utf-8")


@pytest.mark.parametrize("document", SPECS, ids=name)
def test_relative_links_resolve(document):
    text = CODE.sub("", document.read_text(encoding="utf-8"))
    for target in LINK.findall(text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        path = (document.parent / target.split("#")[0]).resolve()
        assert path.exists(), f"{name(document)} links to {target}, which does not exist"
