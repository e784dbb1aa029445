"""Chunking one very long line: time against the line's length, pmassist and a baseline.

    python bench/long_lines.py [--sizes 10000 100000 1000000] [--repeats 3]

A Markdown minutes file whose discussion is one line of N characters, in two kinds: prose
(words and sentences) and a blob with no blank at all (a pasted log or base64). Timed:
- **pmassist**: load the file and chunk it (`load_file` + `Chunker.chunk`, 500-token chunks,
  o200k_base counts);
- **baseline**: LangChain's `RecursiveCharacterTextSplitter.from_tiktoken_encoder` (the same
  encoding, chunk size 500, no overlap) on the same line.
Linear means the seconds per megabyte stay flat as N grows. Best of the repeats.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
import bench  # noqa: E402, F401  (sets the environment every benchmark runs with)
from assistant.tokens import TokenCounter  # noqa: E402
from bench.ingest import machine  # noqa: E402
from ingest.chunking import Chunker  # noqa: E402
from ingest.loaders import load_file  # noqa: E402
from ingest.loaders.base import LoaderOptions, SourceFile, content_hash  # noqa: E402

CHUNK_TOKENS = 500
WORDS = [
    "the", "acquirer", "raised", "its", "sandbox", "limit",
    "after", "PAY-104", "failed", "again", "on", "2026-10-01",
]  # fmt: skip


def line_of(kind: str, size: int) -> str:
    if kind == "blob":
        return ("x9" * (size // 2 + 1))[:size]
    rng = random.Random(size)
    words: list[str] = []
    length = 0
    while length < size:
        word = rng.choice(WORDS) + ("." if rng.random() < 0.08 else "")
        words.append(word)
        length += len(word) + 1
    return " ".join(words)[:size]


def time_pmassist(path: Path, counter: TokenCounter) -> tuple[float, int]:
    started = time.perf_counter()
    result = load_file(SourceFile(path, path.name), LoaderOptions(project="bench"))
    chunks = 0
    for item in result.documents:
        item.document.content_hash = content_hash(item.document, item.sections)
        chunks += len(Chunker(counter, CHUNK_TOKENS).chunk(item))
    return time.perf_counter() - started, chunks


def time_baseline(line: str) -> tuple[float, int]:
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter.from_tiktoken_encoder(
        encoding_name="o200k_base", chunk_size=CHUNK_TOKENS, chunk_overlap=0
    )
    started = time.perf_counter()
    pieces = splitter.split_text(line)
    return time.perf_counter() - started, len(pieces)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "long_lines.json")
    args = parser.parse_args()
    counter = TokenCounter("o200k_base")
    if not counter.exact:
        raise SystemExit("tiktoken's o200k_base vocabulary is needed (TIKTOKEN_CACHE_DIR).")
    rows = []
    print(
        f"{'kind':6} {'chars':>9} {'pmassist s':>11} {'s/MB':>7} {'baseline s':>11} "
        f"{'s/MB':>7} {'ratio':>7} {'chunks':>7}"
    )
    with tempfile.TemporaryDirectory() as scratch:
        for kind in ("prose", "blob"):
            for size in args.sizes:
                line = line_of(kind, size)
                path = Path(scratch) / f"2026-10-01-{kind}-{size}.md"
                path.write_text(f"# Long notes\n\n## Discussion\n\n{line}\n", encoding="utf-8")
                ours = min(time_pmassist(path, counter) for _ in range(args.repeats))
                theirs = min(time_baseline(line) for _ in range(args.repeats))
                megabytes = size / 1_000_000
                row = {
                    "kind": kind,
                    "chars": size,
                    "pmassist_seconds": round(ours[0], 4),
                    "pmassist_chunks": ours[1],
                    "baseline_seconds": round(theirs[0], 4),
                    "baseline_chunks": theirs[1],
                }
                rows.append(row)
                print(
                    f"{kind:6} {size:>9,} {ours[0]:>11.3f} {ours[0] / megabytes:>7.2f} "
                    f"{theirs[0]:>11.3f} {theirs[0] / megabytes:>7.2f} "
                    f"{theirs[0] / ours[0]:>6.2f}x {ours[1]:>7}"
                )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine(), "rows": rows}, indent=2))
    print(f"ratio = baseline seconds / pmassist seconds (above 1: pmassist faster). {args.out}")


if __name__ == "__main__":
    main()
