"""Crash safety: N runs of pmassist killed with SIGKILL mid-write, and the share after which the
project was whole again.

    python bench/faults.py [--runs 40] [--seed 7]

Each run takes one write (an ingest of a changed record, a forget, a reindex) and kills it at a
write point (`tests/crash_points.py`): the first runs visit every point in turn (targeted), the
rest pick at random the write, the point, and what changed (which file of the record gets a new
line, or a new file; which document is forgotten). After each kill the same command is run
again, as a PM would, and the project is then checked:
- consistent: `pmassist check` finds the manifest, Chroma and the keyword index in step;
- whole: every document the record holds is stored (a forgotten one is not), and a search
  finds the line the killed run was adding.
A run counts as recovered when both hold. The baseline is the goal: every run recovered.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
import bench  # noqa: E402, F401  (sets the environment every benchmark runs with)
from bench.ingest import machine  # noqa: E402
from tests.crash_points import POINTS, run_pmassist  # noqa: E402

SAMPLES = REPO / "tests" / "samples"
FILES = ("2026-10-15-payments-weekly.md", "jira-cloud-export.csv", "0008-keep-history-24-months.md")
PROJECT = "payments"
# Which writes reach which points (a forget never upserts; an ingest never removes a document).
WRITES = {
    "ingest": ("before_upsert", "after_upsert", "after_commit", "after_delete"),
    "forget": ("after_removal", "after_delete", "after_copy"),
    "reindex": ("before_upsert", "after_upsert"),
}


def run(home: Path, *args: str, crash: tuple[str, int] | None = None) -> int:
    return run_pmassist(home, *args, crash=crash).returncode


def documents(home: Path) -> set[str]:
    shown = run_pmassist(home, "docs", "--project", PROJECT, "--limit", "0").stdout
    return {line.split()[1] for line in shown.splitlines() if ":" in line[:40]}


def search_finds(home: Path, marker: str) -> bool:
    """Whether searching the marker finds the line that carries it (a word of its own, so that
    the search's ranking is not what is measured)."""
    return marker in run_pmassist(home, "search", marker, "--project", PROJECT, "-k", "5").stdout


# What a random run changes: a line added to one of the files, or a new file of minutes.
CHANGES = ("minutes", "tickets", "decision", "new file")
FORGETTABLE = ("ticket:PAY-104", "ticket:PAY-101", "minutes:2026-10-15-payments-weekly")


def plan(runs: int, rng: random.Random) -> list[tuple[str, str, str]]:
    """(write, point, variant) for each run: every point of every write first, then random."""
    targeted = [
        (write, point, "minutes" if write == "ingest" else FORGETTABLE[0])
        for write, points in WRITES.items()
        for point in points
    ]
    randomised = []
    while len(targeted) + len(randomised) < runs:
        write = rng.choice(sorted(WRITES))
        variant = rng.choice(CHANGES if write == "ingest" else FORGETTABLE)
        randomised.append((write, rng.choice(WRITES[write]), variant))
    return (targeted + randomised)[:runs]


def change_record(record: Path, variant: str, marker: str) -> None:
    line = f"Reconciliation moved to the Tuesday batch ({marker})."
    if variant == "new file":
        (record / "2026-10-22-ops-sync.md").write_text(
            f"# Ops sync\n\n**Date:** 2026-10-22\n\n- {line}\n", encoding="utf-8"
        )
        return
    name = {"minutes": FILES[0], "tickets": FILES[1], "decision": FILES[2]}[variant]
    path = record / name
    text = path.read_text(encoding="utf-8")
    if variant == "tickets":  # into PAY-101's summary cell, keeping the CSV well formed
        text = text.replace(",PAY-101,", f" {marker},PAY-101,", 1)
    else:
        text += f"\n- {line}\n"
    path.write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "faults.json")
    args = parser.parse_args()
    assert set(POINTS) >= {point for points in WRITES.values() for point in points}
    rng = random.Random(args.seed)
    results = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        # One ingested project, copied back before every run (same paths: the manifest keeps
        # the record's absolute paths).
        home, record = Path(scratch) / "home", Path(scratch) / "record"
        pristine_home, pristine_record = Path(scratch) / "home-0", Path(scratch) / "record-0"
        pristine_record.mkdir()
        for name in FILES:
            shutil.copy(SAMPLES / name, pristine_record)
        shutil.copytree(pristine_record, record)
        assert run(home, "ingest", str(record), "-p", PROJECT) == 0
        shutil.copytree(home, pristine_home)
        stored = documents(home)
        for number, (write, point, variant) in enumerate(plan(args.runs, rng), start=1):
            for copy, pristine in ((home, pristine_home), (record, pristine_record)):
                shutil.rmtree(copy)
                shutil.copytree(pristine, copy)
            expected = set(stored)
            marker = f"zebrafalcon{number:03d}"
            if write == "ingest":
                change_record(record, variant, marker)
                command = ["ingest", str(record), "-p", PROJECT]
                if variant == "new file":
                    expected.add("minutes:2026-10-22-ops-sync")
            elif write == "forget":
                command = ["forget", variant, "-p", PROJECT, "-y"]
                expected.discard(variant)
            else:
                command = ["reindex", "-p", PROJECT]
            killed = run(home, *command, crash=(point, 1)) == -signal.SIGKILL
            again = run(home, *command)
            consistent = run(home, "check", "-p", PROJECT) == 0
            stored_now = documents(home)
            found = write != "ingest" or search_finds(home, marker)
            whole = stored_now == expected and found
            # A forget run again after it finished says "no document" (exit 2): still whole.
            results.append(
                {
                    "write": write,
                    "point": point,
                    "variant": variant,
                    "killed": killed,
                    "rerun_exit": again,
                    "consistent": consistent,
                    "whole": whole,
                    "missing": sorted(expected - stored_now),
                    "unexpected": sorted(stored_now - expected),
                    "search_found_the_change": found,
                }
            )
            state = "recovered" if consistent and whole else "NOT RECOVERED"
            print(
                f"{number:>3} {write:8} {point:14} {variant:36} "
                f"{'killed' if killed else 'not reached'} -> {state}",
                flush=True,
            )
    killed = [r for r in results if r["killed"]]
    recovered = [r for r in killed if r["consistent"] and r["whole"]]
    share = len(recovered) / len(killed) if killed else 1.0
    print(
        f"{len(killed)} runs killed mid-write, {len(recovered)} recovered: {share:.0%} "
        f"(goal 100%); {time.perf_counter() - started:.0f} s"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"machine": machine(), "runs": results}, indent=2))


if __name__ == "__main__":
    main()
