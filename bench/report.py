"""Status report drafting: time of an offline draft, and prompt tokens with a model.

    python bench/report.py [--repeats 5]

1. Offline draft of the sample project's week 2026-W46 (facts, rules, sections, checks, saving),
   against a retrieval-only baseline run in the same process: one hybrid search per report
   section, which is the least a search-based draft has to do. Best and median of the repeats.
2. Prompt tokens per report with a model, for each week W37-W46: the prompt pmassist sends
   (facts + sources packed to PMASSIST_CONTEXT_TOKENS), counted with tiktoken, against a
   baseline that puts every chunk dated in the week plus every ticket touched in the week into
   the prompt. No model is called: a fake chat model returns a valid summary.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from langchain_core.language_models.fake_chat_models import GenericFakeChatModel  # noqa: E402
from langchain_core.messages import AIMessage  # noqa: E402

import bench  # noqa: E402, F401  (sets the environment every benchmark runs with)
from assistant.config import Settings  # noqa: E402
from assistant.domain.period import week_period  # noqa: E402
from assistant.domain.record import Ticket  # noqa: E402
from assistant.embeddings import LocalMiniLMEmbedder  # noqa: E402
from assistant.facts import RecordSnapshot  # noqa: E402
from assistant.llm import LanguageModel  # noqa: E402
from assistant.service import Assistant  # noqa: E402
from bench.ingest import machine  # noqa: E402

SAMPLE = REPO / "evals" / "fixtures" / "harbor" / "record"
SECTIONS = (
    "accomplishments completed this week",
    "work in progress",
    "plan for next week",
    "milestones baseline and forecast dates",
    "blockers and issues",
    "decisions made",
    "risks and concerns",
    "asks and escalations",
    "budget spend and forecast",
)
REPLY = json.dumps({"summary": [{"text": "Overall status is Amber [S1].", "citations": ["S1"]}]})


class CountingModel(LanguageModel):
    """Returns a valid summary; token counts are tiktoken's, as for a provider without usage."""

    def __init__(self, counter: object) -> None:
        fake = GenericFakeChatModel(messages=iter([AIMessage(content=REPLY)] * 1000))
        super().__init__(fake, "bench:fake", counter)  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="pmassist-bench-report-"))
    embedder = LocalMiniLMEmbedder()
    settings = Settings(_env_file=None, home=home)  # type: ignore[call-arg]
    offline = Assistant(settings, embedder=embedder, language_model=None)
    offline.records.ingest([SAMPLE], "harbor")
    period = week_period("2026-W46")
    offline.reports.draft("harbor", period)  # warm up: stores opened, model loaded
    offline.records.search("warm up", "harbor")

    ours, baseline = [], []
    for _ in range(args.repeats):
        started = time.perf_counter()
        offline.reports.draft("harbor", period)
        ours.append(time.perf_counter() - started)
        started = time.perf_counter()
        for query in SECTIONS:
            offline.records.search(query, "harbor", k=8)
        baseline.append(time.perf_counter() - started)

    counter = offline.wiring.token_counter
    with_model = Assistant(settings, embedder=embedder, language_model=CountingModel(counter))
    record = RecordSnapshot.load(offline.wiring.documents, "harbor")
    tokens = []
    for week in range(37, 47):
        week_label = f"2026-W{week}"
        _, report = with_model.reports.draft("harbor", week_period(week_label))
        tokens.append(
            (week_label, report.input_tokens or 0, _stuffed_tokens(record, week_label, counter))
        )

    print(f"Machine: {machine()}")
    print()
    print("| run | best s | median s |")
    print("|---|---:|---:|")
    print(f"| pmassist offline draft, 2026-W46 | {min(ours):.3f} | {statistics.median(ours):.3f} |")
    print(
        f"| baseline: {len(SECTIONS)} hybrid searches | {min(baseline):.3f} | "
        f"{statistics.median(baseline):.3f} |"
    )
    print()
    print(f"Draft time / baseline time (best): {min(ours) / min(baseline):.2f}")
    print()
    print("| week | pmassist prompt tokens | baseline prompt tokens | ratio |")
    print("|---|---:|---:|---:|")
    for week_label, our_tokens, stuffed in tokens:
        print(f"| {week_label} | {our_tokens} | {stuffed} | {our_tokens / stuffed:.2f} |")
    mean = statistics.mean(t for _, t, _ in tokens)
    print(
        f"\nMean pmassist prompt tokens per report: {mean:.0f}; max {max(t for _, t, _ in tokens)}"
    )


def _stuffed_tokens(record: RecordSnapshot, week_label: str, counter: object) -> int:
    period = week_period(week_label)
    texts = []
    for document in record.documents:
        touched = period.contains(document.date)
        if isinstance(document.record, Ticket):
            ticket = document.record
            touched = any(
                period.contains(day) for day in (ticket.created, ticket.updated, ticket.resolved)
            )
        if touched:
            texts += [chunk.text for chunk in record.chunks_by_document.get(document.id, [])]
    return int(counter.count("\n\n".join(texts)))  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
