"""How many of a project's chunks use a word, read from its keyword index.

Rarity over the whole record is what makes a term distinctive: "Payflow" in a question about a
Payflow project is everywhere, "salary" in no chunk at all. The retrieved evidence alone is too
small a sample to tell the two apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from assistant.retrieval import Retriever
from assistant.retrieval.keyword import KeywordIndex, tokenize

_PART = re.compile(r"\w\w+")


@dataclass
class RecordFrequencies:
    """Document frequencies of words over one project's chunks."""

    index: KeywordIndex
    _known: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, retriever: Retriever, project: str) -> RecordFrequencies:
        return cls(retriever.keyword_indexes.get(project))

    @property
    def documents(self) -> int:
        return len(self.index.chunk_ids)

    def __call__(self, word: str) -> int:
        if word not in self._known:
            self._known[word] = self._count(word)
        return self._known[word]

    def _count(self, word: str) -> int:
        tokens = tokenize([word], return_ids=False)[0]
        if not tokens:
            # The index leaves the word out (one of its stop words): a word that common is in
            # every chunk as far as rarity goes.
            return self.documents
        # Every chunk holding the word scores above zero, and only those do. A word the index
        # reads as several ("beacon#44") is in at most as many chunks as its rarest part.
        parts = _PART.findall(word) if len(tokens) > 1 else [word]
        return min(len(self.index.search(part, self.documents)) for part in parts or [word])
