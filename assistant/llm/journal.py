"""What the language model did in this process: each call's time, tokens and outcome, how many
structured replies kept their schema, how many written sentences were kept or flagged, and each
time pmassist fell back to the offline writer, with why.

Every fallback is logged as it happens; the figures are what `pmassist eval --engine model`
reports for the model it ran. Counts only grow; the recent fallbacks are kept for display.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter, deque
from dataclasses import dataclass, field

log = logging.getLogger("pmassist.model")
RECENT = 50  # fallbacks kept for display


@dataclass(frozen=True)
class Fallback:
    part: str  # "answer", "report summary", "risk proposals"
    reason: str


@dataclass
class ModelJournal:
    calls: int = 0
    seconds: float = 0.0
    slowest_call: float = 0.0
    input_tokens: int = 0
    output_tokens: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # "ok", "cut off", …
    structured_replies: int = 0
    structured_valid: int = 0
    sentences_kept: int = 0
    sentences_flagged: int = 0
    fallbacks: Counter[str] = field(default_factory=Counter)  # by part
    recent_fallbacks: deque[Fallback] = field(default_factory=lambda: deque(maxlen=RECENT))
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def call(self, seconds: float, input_tokens: int, output_tokens: int, outcome: str) -> None:
        with self._lock:
            self.calls += 1
            self.seconds += seconds
            self.slowest_call = max(self.slowest_call, seconds)
            self.input_tokens += input_tokens
            self.output_tokens += output_tokens
            self.outcomes[outcome] += 1

    def structured(self, valid: bool) -> None:
        with self._lock:
            self.structured_replies += 1
            self.structured_valid += valid

    def sentences(self, kept: int, flagged: int) -> None:
        with self._lock:
            self.sentences_kept += kept
            self.sentences_flagged += flagged

    def fell_back(self, part: str, reason: str) -> None:
        shown = "the offline one is shown"
        log.warning("The model's %s failed its checks (%s); %s.", part, reason, shown)
        with self._lock:
            self.fallbacks[part] += 1
            self.recent_fallbacks.append(Fallback(part, reason))

    def figures(self) -> dict[str, float]:
        """The model's figures, named as the eval report shows them."""
        with self._lock:
            written = self.sentences_kept + self.sentences_flagged
            figures: dict[str, float] = {
                "model_calls": self.calls,
                "seconds_per_call": _share(self.seconds, self.calls),
                "slowest_call_seconds": round(self.slowest_call, 1),
                "input_tokens_per_call": _share(self.input_tokens, self.calls),
                "output_tokens_per_call": _share(self.output_tokens, self.calls),
                # Over whole calls, reading the prompt included: what a PM waits for.
                "output_tokens_per_second": _share(self.output_tokens, self.seconds),
                "calls_completed": _share(self.outcomes["ok"], self.calls),
                "structured_replies": self.structured_replies,
                "schema_valid": _share(self.structured_valid, self.structured_replies),
                "sentences_written": written,
                "sentences_kept": _share(self.sentences_kept, written),
            }
            for outcome, count in sorted(self.outcomes.items()):
                if outcome != "ok":
                    figures[f"calls_{outcome.replace(' ', '_')}"] = count
            for part, count in sorted(self.fallbacks.items()):
                figures[f"fallbacks_{part.replace(' ', '_')}"] = count
            return figures


def _share(part: float, whole: float) -> float:
    return round(part / whole, 3) if whole else 0.0
