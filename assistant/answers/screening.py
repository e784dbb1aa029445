"""A model's answer on its way to the reader, as it streams and once complete.

What a model writes is data too: a model can obey text planted in the record. So, before a
reader sees them, sentences are held until complete and let through only when
- their links and images point at addresses a given source contains (`text/links.py`), and
- they make no call that is the PM's: an overall status or closed risks that no cited source
  gives (`grounding.judgement_problems`).
The streamed text and the saved answer apply the same rules.
"""

from __future__ import annotations

import re

from assistant.domain.answer import AnswerSentence
from assistant.domain.evidence import Evidence
from assistant.grounding import judgement_problems
from assistant.llm.context import given_addresses
from assistant.text.citations import cited_ids, without_citation_marks
from assistant.text.links import StreamedLinkFilter

# The end of a sentence: a stop, its citation marks wherever the writer put them, then a blank.
SENTENCE_END = re.compile(r"[.!?][\"'”’)]*(?:\s*\[\s*S\d+(?:\s*[,;]\s*S\d+)*\s*\])*\s+|\n")


class AnswerScreen:
    def __init__(self, sources: list[Evidence]) -> None:
        self.sources = {source.citation: source for source in sources}
        self.links = StreamedLinkFilter(given_addresses(sources))
        self.pending = ""
        self.left_out: list[str] = []  # why each sentence held back was held back

    def feed(self, piece: str) -> str:
        """What of the text so far can be shown now."""
        self.pending += self.links.feed(piece)
        shown = []
        while match := SENTENCE_END.search(self.pending):
            sentence, self.pending = self.pending[: match.end()], self.pending[match.end() :]
            shown.append(sentence if self._acceptable(sentence) else "")
        return "".join(shown)

    def finish(self) -> str:
        self.pending += self.links.finish()
        sentence, self.pending = self.pending, ""
        return sentence if sentence.strip() and self._acceptable(sentence) else ""

    def screened(self, sentences: list[AnswerSentence]) -> list[AnswerSentence]:
        """The sentences of the complete answer that pass the same rules."""
        return [s for s in sentences if not self.problems(s.text, s.citations)]

    def problems(self, text: str, citations: list[str]) -> list[str]:
        cited = [self.sources[c].text for c in citations if c in self.sources]
        return judgement_problems(text, cited)

    def _acceptable(self, sentence: str) -> bool:
        problems = self.problems(without_citation_marks(sentence), cited_ids(sentence))
        self.left_out += problems
        return not problems
