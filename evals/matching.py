"""Whether one text says what another says: the content-word rule the evals score real records
by. A labelled text is held by another when the other holds at least `MATCH_SHARE` of the label's
content words (lowercase, accents folded, no punctuation, no stop words; URLs do not count unless
the label is a URL, which the other text must then contain). The extraction suite pairs labelled
items with what the loaders read by it; the reports suite finds the team's own items in a draft
by it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

MATCH_SHARE = 0.6  # of a label's content words a text must hold to match it

# Words that carry no content of their own: two texts sharing only these say different things.
_STOP = (
    "a an the and or but if then else of to in on at by for with from into onto over under as is "
    "are was were be been being it its this that these those there here we our us you your they "
    "their them he she his her i me my not no so do does did done has have had will would shall "
    "should can could may might must also just than too very via per about all any each"
)
STOP_WORDS = frozenset(_STOP.split())
URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
# How well a read text or name stands for a labelled one, from 0 to 1.
Score = Callable[[str, str], float]


def fold(text: str) -> str:
    """Lowercase without accents: 'Zoë' and 'zoe' are one name."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def normal_text(text: str | None) -> str:
    return " ".join(fold(text or "").split())


def content_words(text: str, keep_urls: bool = False) -> set[str]:
    """Lowercase words without punctuation and stop words; URLs left out unless kept."""
    plain = LINK.sub(r"\1 ", fold(text))
    if not keep_urls:
        plain = URL.sub(" ", plain)
    words = re.findall(r"[^\W_]+", plain)
    meaningful = {w for w in words if w not in STOP_WORDS}
    return meaningful or set(words)


def holds(label: str, read: str) -> float:
    """The share of the label's content words the read text holds; a label that is a URL is held
    only by a text that contains it."""
    bare = label.strip()
    if URL.fullmatch(bare):
        return 1.0 if bare.rstrip("/").casefold() in read.casefold() else 0.0
    wanted = content_words(label)
    if not wanted:
        return 1.0 if normal_text(label) == normal_text(read) else 0.0
    return len(wanted & content_words(read, keep_urls=True)) / len(wanted)


def covered(label: str, texts: Sequence[str]) -> bool:
    """Whether one of `texts` holds the label (at least `MATCH_SHARE` of its content words)."""
    return any(holds(label, text) >= MATCH_SHARE for text in texts)


def pair(labels: Sequence[str], read: Sequence[str], score: Score) -> dict[int, int]:
    """Label index -> read index, one to one: every pair that matches, best-scoring first (the
    earlier label and item win a tie)."""
    candidates = sorted(
        (-value, i, j)
        for i, label in enumerate(labels)
        for j, text in enumerate(read)
        if (value := score(label, text)) >= MATCH_SHARE
    )
    matched: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in candidates:
        if i not in matched and j not in used:
            matched[i] = j
            used.add(j)
    return matched
