"""What an answer looks like, as the style-controlled board sees it.

Chatbot Arena found that voters favour longer answers and more Markdown whatever the
content; measuring both lets the style-controlled board separate them from the rest.
Counted on the answer's text as the gateway relayed it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

_HEADERS = re.compile(r"^ {0,3}#{1,6}[ \t]", re.MULTILINE)
_LIST_ITEMS = re.compile(r"^[ \t]*(?:[-*+]|\d{1,9}[.)])[ \t]", re.MULTILINE)
_BOLD = re.compile(r"\*\*[^*\n]+\*\*|__[^_\n]+__")


@dataclass(frozen=True)
class Style:
    """Length in characters and Markdown counts of one answer."""

    length: int = 0
    headers: int = 0
    list_items: int = 0
    bold: int = 0

    @classmethod
    def of(cls, text: str) -> Style:
        return cls(
            length=len(text),
            headers=len(_HEADERS.findall(text)),
            list_items=len(_LIST_ITEMS.findall(text)),
            bold=len(_BOLD.findall(text)),
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Style:
        return cls(**{name: int(data.get(name, 0)) for name in STYLE_FEATURES})

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


STYLE_FEATURES = ("length", "headers", "list_items", "bold")
