r"""A view of text with its disguises undone, for scans that must see through them.

A key reads the same to a person (and to a program that strips them) when it is written
with invisible format characters inside it (``sk-\u200bproj…``), in compatibility forms
such as fullwidth letters (``\uff53\uff4b\uff0d…``), or one character at a time with spaces
between (``s k - p r o j …``). ``fold`` removes the first (``Cf`` characters and variation
selectors), maps the second to what NFKC makes of them, and closes the gaps of the third,
and keeps where every character of the view came from: a match found in the view is
redacted in the original text, over the original span.

Text with none of these (plain ASCII without single characters standing apart) is its
own view, found with one regular-expression search.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

# Planes where format and compatibility characters live (the rest are unassigned).
_PLANES = ((0x80, 0xD800), (0xE000, 0x20000), (0xE0000, 0xE0200))
_INVISIBLE_MARKS = {0x34F, *range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)}


def _class(codes: list[int]) -> str:
    """A regular-expression character class of ``codes`` (sorted), as ranges."""
    parts, start = [], None
    for index, code in enumerate(codes):
        if start is None:
            start = code
        if index + 1 == len(codes) or codes[index + 1] != code + 1:
            parts.append(f"\\U{start:08x}" + (f"-\\U{code:08x}" if code != start else ""))
            start = None
    return "[" + "".join(parts) + "]"


def _disguising_characters() -> tuple[list[int], list[int]]:
    """(every character the view changes, those that change what a key looks like)."""
    changed, keyish = [], []
    for low, high in _PLANES:
        for code in range(low, high):
            char = chr(code)
            if code in _INVISIBLE_MARKS or unicodedata.category(char) == "Cf":
                changed.append(code)
                keyish.append(code)
            elif (folded := unicodedata.normalize("NFKC", char)) != char:
                changed.append(code)
                if any(c.isascii() and (c.isalnum() or c in "_.- ") for c in folded):
                    keyish.append(code)
    return changed, keyish


_CHANGED, _KEYISH = _disguising_characters()
# Characters ``fold`` replaces, one by one.
_DISGUISED = re.compile(_class(_CHANGED))
# Characters that can hide part of a key: invisible ones and those NFKC turns into ASCII
# letters, digits, ``_.-`` or a space. What the raw fast path looks for in non-ASCII data.
KEY_DISGUISE = re.compile(_class(_KEYISH))
# Characters standing alone, spelling out a word (``s k - p``), each after whitespace (the
# text is searched with a space in front): four or more (no key or secret is shorter, and
# ``x = 1`` stays as it is) anywhere, and one to three at the end, where the next piece of
# a stream may continue them. Plain patterns: a look-behind at every position, or a
# look-ahead for the end, would cost several times more.
_SPELLED = re.compile(r"\s\S(?:\s+\S(?!\S)){3,}")
_SPELLED_AT_END = re.compile(r"\s(\S(?:\s+\S(?!\S)){0,2})\s*\Z")
_END_CHARS = 64  # how far from the end such a short run is looked for
_GAP = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Folded:
    """``text``, the view, in segments: each a piece of the original either copied as is
    or replaced as a whole (by nothing, or by its NFKC form)."""

    text: str
    _view_at: list[int]  # where each segment starts in the view
    _original_at: list[int]  # ... and in the original
    _original_end: list[int]
    _copied: list[bool]

    def start(self, index: int) -> int:
        """Where the view's character ``index`` begins in the original."""
        s = bisect.bisect_right(self._view_at, index) - 1
        if self._copied[s]:
            return self._original_at[s] + index - self._view_at[s]
        past = index >= self._view_at[s] + self._view_length(s)
        return self._original_end[s] if past else self._original_at[s]

    def end(self, index: int) -> int:
        """Where the view's characters before ``index`` end in the original."""
        s = bisect.bisect_right(self._view_at, index - 1) - 1
        if self._copied[s]:
            return self._original_at[s] + index - self._view_at[s]
        return self._original_end[s]

    def view_index(self, position: int) -> int:
        """Where the original's ``position`` falls in the view."""
        s = bisect.bisect_right(self._original_at, position) - 1
        if self._copied[s] or position == self._original_at[s]:
            return self._view_at[s] + position - self._original_at[s]
        return self._view_at[s] + self._view_length(s)

    def _view_length(self, s: int) -> int:
        following = self._view_at[s + 1] if s + 1 < len(self._view_at) else len(self.text)
        return following - self._view_at[s]


class _Composed:
    """Two views in a row: ``outer`` is a view of ``inner``'s view."""

    def __init__(self, outer: Folded, inner: Folded) -> None:
        self.text, self._outer, self._inner = outer.text, outer, inner

    def start(self, index: int) -> int:
        return self._inner.start(self._outer.start(index))

    def end(self, index: int) -> int:
        return self._inner.end(self._outer.end(index))

    def view_index(self, position: int) -> int:
        return self._outer.view_index(self._inner.view_index(position))


class _Same:
    """The view of text with nothing to undo: the text itself."""

    def __init__(self, text: str) -> None:
        self.text = text

    def start(self, index: int) -> int:
        return index

    end = start
    view_index = start


View = Folded | _Composed | _Same


def _fold_char(char: str) -> str:
    code = ord(char)
    if code in _INVISIBLE_MARKS or unicodedata.category(char) == "Cf":
        return ""
    return unicodedata.normalize("NFKC", char)


def _disguises(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, replacement) of each invisible or compatibility character."""
    for match in _DISGUISED.finditer(text):
        yield match.start(), match.end(), _fold_char(match.group())


def _gaps(text: str, more_to_come: bool) -> Iterator[tuple[int, int, str]]:
    """(start, end, "") of each gap to close: those between characters spelling out a word,
    and those joining it to the words on either side (``key=p l a t-x`` is ``key=plat-x``)
    or to the end of the text. With ``more_to_come`` a short run at the end counts too, but
    is not joined to the word before it."""
    padded, done = " " + text, 0  # ``padded``'s index i + 1 is ``text``'s i
    runs = [(run.start(), run.end() - 1, True) for run in _SPELLED.finditer(padded)]
    last_end = max(runs[-1][1] if runs else 0, len(text) - _END_CHARS)
    if more_to_come and (at_end := _SPELLED_AT_END.search(padded, last_end)):
        runs.append((at_end.start(1) - 1, at_end.end(1) - 1, False))
    for first, last, join_before in runs:
        before = len(text[done:first].rstrip())
        if join_before and 0 < before < first - done:  # a word just before it
            yield done + before, first, ""
        yield from ((gap.start(), gap.end(), "") for gap in _GAP.finditer(text, first, last))
        done = last
        if after := _GAP.match(text, last):  # to the next word, or to the end
            yield after.start(), after.end(), ""
            done = after.end()


def _replace(text: str, replacements: Iterator[tuple[int, int, str]]) -> Folded | None:
    view, view_at, original_at, original_end, copied = [], [], [], [], []
    length = position = 0

    def segment(start: int, end: int, piece: str, as_is: bool) -> None:
        nonlocal length
        view.append(piece)
        view_at.append(length)
        original_at.append(start)
        original_end.append(end)
        copied.append(as_is)
        length += len(piece)

    for start, end, replacement in replacements:
        if start > position:
            segment(position, start, text[position:start], True)
        segment(start, end, replacement, False)
        position = end
    if not view:
        return None
    if position < len(text):
        segment(position, len(text), text[position:], True)
    return Folded("".join(view), view_at, original_at, original_end, copied)


def fold(text: str, *, more_to_come: bool = False) -> View:
    """The view of ``text`` a secret scan should search, mapped back to ``text``;
    ``more_to_come``: text of a stream that may go on."""
    inner = None if text.isascii() else _replace(text, _disguises(text))
    spaced = inner.text if inner else text
    padded = " " + spaced
    if not _SPELLED.search(padded) and not (
        more_to_come and _SPELLED_AT_END.search(padded, max(0, len(spaced) - _END_CHARS))
    ):  # the common case, without building anything
        return inner or _Same(text)
    outer = _replace(spaced, _gaps(spaced, more_to_come))
    if inner is None:
        return outer or _Same(text)
    return _Composed(outer, inner) if outer else inner
