"""What pmassist reads from a folder of real records: a census per folder, no embedding.

    python bench/record_census.py FOLDER [FOLDER ...] [--json]

Every file is read by the loaders as `pmassist ingest` reads it (`discover_files` +
`load_file`), and counted: files failed and skipped, documents by kind, meetings with a date
and with attendees, action items and those with an owner, decisions (in minutes and decision
records), progress items. Used to compare readings before and after a loader change; the
figures are in `bench/README.md`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
import bench  # noqa: E402, F401  (sets the environment every benchmark runs with)
from assistant.domain.record import Decision, Meeting  # noqa: E402
from ingest.loaders import load_file, supported_extensions  # noqa: E402
from ingest.loaders.base import LoaderOptions, SourceFile  # noqa: E402
from ingest.loaders.boilerplate import SeriesBook  # noqa: E402
from ingest.pipeline import discover_files, display_path  # noqa: E402


def census(folder: Path) -> dict[str, int]:
    counts: Counter[str] = Counter()
    options = LoaderOptions(project="census")
    seen: set[str] = set()
    series = SeriesBook()
    readable = supported_extensions()
    for path, root in discover_files([folder]):
        counts["files"] += 1
        if path.suffix.lower() not in readable:  # as the ingest does for a folder's files
            counts["files skipped"] += 1
            continue
        with_series = series.options_for(path, options)
        result = load_file(SourceFile(path, display_path(path, root)), with_series)
        # As the ingest does: a document whose id another file already gave is refused.
        refused = [d for d in result.documents if d.document.id in seen]
        seen.update(d.document.id for d in result.documents)
        counts["documents refused (id taken)"] += len(refused)
        if (result.failures or refused) and len(refused) == len(result.documents):
            counts["files failed"] += 1
        elif result.failures:
            counts["files with failed rows"] += 1
        if result.format == "skipped":
            counts["files skipped"] += 1
        counts["warnings"] += len(result.warnings)
        for loaded in result.documents:
            if loaded in refused:
                continue
            record = loaded.document.record
            counts[f"documents: {loaded.document.kind.value}"] += 1
            if isinstance(record, Meeting):
                counts["meetings"] += 1
                counts["meetings dated"] += record.date is not None
                counts["meetings with attendees"] += bool(record.attendees)
                counts["attendees"] += len(record.attendees)
                counts["action items"] += len(record.action_items)
                counts["action items with owner"] += sum(
                    1 for item in record.action_items if item.owner
                )
                counts["decisions in minutes"] += len(record.decisions)
                counts["progress items"] += len(getattr(record, "progress", []))
            elif isinstance(record, Decision):
                counts["decision records"] += 1
                counts["decision records dated"] += record.date is not None
                counts["decision records with deciders"] += bool(record.deciders)
                counts["decision records with status"] += bool(record.status)
    return dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folders", nargs="+", type=Path)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = {folder.as_posix(): census(folder) for folder in args.folders}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    keys = sorted({key for counts in results.values() for key in counts})
    names = list(results)
    print("| | " + " | ".join(Path(name).name for name in names) + " |")
    print("|---|" + "---:|" * len(names))
    for key in keys:
        print(f"| {key} | " + " | ".join(str(results[n].get(key, 0)) for n in names) + " |")


if __name__ == "__main__":
    main()
