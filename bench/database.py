"""PostgreSQL against SQLite, side by side in one run: draft save/approve, and API reads under load.

    python bench/database.py [--rounds 30] [--clients 16] [--seconds 20]

The sample project (`evals/fixtures/harbor/record`) is ingested once into each database, with
the same embedding model object, before any timing: one SQLite home, and one PostgreSQL server
(Debian's, in a temporary folder on a Unix socket, `tests/postgres.py`).

1. Draft save/approve: each round drafts the weekly report of 2026-W46 offline and saves it
   (`reports.draft`), then approves it as a PM (`drafts.approve`). Timed separately: the whole
   draft-and-save call, the save inside it (the store's `save_report` transaction), the whole
   approval (which re-runs the draft's checks), and the write inside it (the store's `decide`).
   The rounds alternate SQLite and PostgreSQL (which goes first alternates too), since the
   machine is shared.
2. API load: the ASGI app in a real uvicorn server on 127.0.0.1 per database, a pm token for the
   project, and N concurrent clients (asyncio + httpx, in a separate process so that they do not
   share the servers' interpreter lock) issuing a read mix for a fixed time: list drafts, list
   risks, list documents, read a draft, search. Warmed up first; the two servers take turns in
   four slices of half the time each.

Writes `bench/results/database.json`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
import bench  # noqa: E402, F401  (sets the environment every benchmark runs with)

SAMPLE = REPO / "evals" / "fixtures" / "harbor" / "record"
PROJECT = "harbor"
WEEK = "2026-W46"
PM = "Priya Raman"
SEARCHES = (
    "load test slipped",
    "go-live date at risk",
    "budget forecast",
    "decisions on the payment gateway",
    "blocked tickets",
)
# The read mix: (name, weight). A search embeds its query, so it is the costly one.
STEPS = {
    "draft and save": "draft_and_save",
    "save (the write in it)": "save",
    "approve": "approve",
    "approve (the write in it)": "approve_write",
}
MIX = (("drafts", 3), ("risks", 3), ("documents", 2), ("draft", 3), ("search", 1))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))
    return ordered[index]


def summary(values: list[float]) -> dict[str, Any]:
    """Mean, p50, p95 in milliseconds."""
    ms = [v * 1000 for v in values]
    return {
        "n": len(ms),
        "mean_ms": statistics.fmean(ms) if ms else float("nan"),
        "p50_ms": percentile(ms, 0.50),
        "p95_ms": percentile(ms, 0.95),
    }


# Load clients (a separate process) ----------------------------------------------------------


def paths_for(draft_id: int) -> dict[str, str]:
    return {
        "drafts": f"/api/projects/{PROJECT}/drafts",
        "risks": f"/api/projects/{PROJECT}/risks",
        "documents": f"/api/projects/{PROJECT}/documents",
        "draft": f"/api/drafts/{draft_id}",
        "search": f"/api/projects/{PROJECT}/search",
    }


async def _load(
    url: str, token: str, draft_id: int, clients: int, seconds: float
) -> dict[str, Any]:
    import httpx

    paths = paths_for(draft_id)
    names = [name for name, weight in MIX for _ in range(weight)]
    latencies: dict[str, list[float]] = {name: [] for name, _ in MIX}
    errors: list[str] = []
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)

    async def client(number: int, http: httpx.AsyncClient) -> None:
        rng = random.Random(number)
        while time.perf_counter() < deadline:
            name = rng.choice(names)
            params = {"q": rng.choice(SEARCHES), "k": "8"} if name == "search" else None
            started = time.perf_counter()
            try:
                response = await http.get(paths[name], params=params)
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors.append(f"{name}: HTTP {response.status_code} {response.text[:300]}")
                    continue
                latencies[name].append(elapsed)
            except httpx.HTTPError as error:
                errors.append(f"{name}: {type(error).__name__}: {error}")

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120) as http:
        started = time.perf_counter()
        await asyncio.gather(*(client(n, http) for n in range(clients)))
        wall = time.perf_counter() - started
    return {"wall_s": wall, "latencies": latencies, "errors": errors}


def client_main(argv: list[str]) -> None:
    url, token, draft_id, clients, seconds = argv
    result = asyncio.run(_load(url, token, int(draft_id), int(clients), float(seconds)))
    print(json.dumps(result))


def run_clients(
    url: str, token: str, draft_id: int, clients: int, seconds: float
) -> dict[str, Any]:
    done = subprocess.run(
        [
            sys.executable,
            __file__,
            "--client",
            url,
            token,
            str(draft_id),
            str(clients),
            str(seconds),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout)  # type: ignore[no-any-return]


# The databases ------------------------------------------------------------------------------


def timed_writes(assistant: Any) -> dict[str, list[float]]:
    """Wrap the draft store's two writes so that their own time is recorded: the save of a
    draft (`save_report`, on its own transaction) and the approval (`decide`)."""
    store = assistant.wiring.drafts
    times: dict[str, list[float]] = {"save": [], "decide": []}

    def wrap(method: str) -> None:
        original: Callable[..., Any] = getattr(store, method)

        def timed(*args: Any, **kwargs: Any) -> Any:
            own = method == "decide" or (
                kwargs.get("connection") is None and (len(args) < 3 or args[2] is None)
            )
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                if own:  # not the inner call that reuses the outer transaction
                    times["save" if method == "save_report" else "decide"].append(
                        time.perf_counter() - started
                    )

        setattr(store, method, timed)

    wrap("save_report")
    wrap("decide")
    return times


def save_approve_round(
    assistant: Any, period: Any, writes: dict[str, list[float]]
) -> dict[str, float]:
    """The times of one round: draft and save, the save in it, approve, the write in it."""
    saves, decides = len(writes["save"]), len(writes["decide"])
    started = time.perf_counter()
    draft_id, _ = assistant.reports.draft(PROJECT, period)
    drafted = time.perf_counter() - started
    started = time.perf_counter()
    approve(assistant, draft_id)
    approved = time.perf_counter() - started
    return {
        "draft_and_save": drafted,
        "save": sum(writes["save"][saves:]),
        "approve": approved,
        "approve_write": sum(writes["decide"][decides:]),
    }


def approve(assistant: Any, draft_id: int) -> None:
    report = assistant.drafts.report(draft_id)
    challenged = report is not None and getattr(report, "status_challenge", None) is not None
    assistant.drafts.approve(
        draft_id,
        PM,
        override_reason="checked by hand",
        status="keep" if challenged else None,
        status_reason="bench" if challenged else None,
    )


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--client":
        client_main(sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--out", type=Path, default=REPO / "bench" / "results" / "database.json")
    args = parser.parse_args()

    from assistant.config import Settings
    from assistant.domain.period import week_period
    from assistant.embeddings import LocalMiniLMEmbedder
    from assistant.service import Assistant
    from bench.ingest import machine
    from tests.live_server import live_server
    from tests.postgres import postgres_server

    began = time.perf_counter()
    period = week_period(WEEK)
    embedder = LocalMiniLMEmbedder()
    names = ("SQLite", "PostgreSQL")
    with ExitStack() as stack:
        scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="pmassist-bdb-")))
        url = stack.enter_context(postgres_server())
        assistants = {
            "SQLite": Assistant(
                Settings(_env_file=None, home=scratch / "sqlite"),
                embedder=embedder,
                language_model=None,
            ),
            "PostgreSQL": Assistant(
                Settings(_env_file=None, home=scratch / "pg", database_url=url),
                embedder=embedder,
                language_model=None,
            ),
        }
        for name in names:
            # Every connection closed before the server stops (callbacks run last in, first out).
            stack.callback(assistants[name].wiring.documents.engine.dispose)
        ingest_s = {}
        for name in names:
            started = time.perf_counter()
            assert assistants[name].records.ingest([SAMPLE], PROJECT).added
            ingest_s[name] = time.perf_counter() - started
            dialect = assistants[name].wiring.documents.engine.dialect.name
            print(f"{name}: ingested in {ingest_s[name]:.1f} s (dialect {dialect})", flush=True)

        # 1. Draft save/approve, alternating the databases.
        writes = {name: timed_writes(assistants[name]) for name in names}
        for name in names:  # warm up: stores opened, checks' context built, model loaded
            save_approve_round(assistants[name], period, writes[name])
        rounds: dict[str, dict[str, list[float]]] = {
            name: {key: [] for key in STEPS.values()} for name in names
        }
        errors: dict[str, list[str]] = {name: [] for name in names}
        for number in range(args.rounds):
            for name in names if number % 2 == 0 else names[::-1]:
                try:
                    times = save_approve_round(assistants[name], period, writes[name])
                except Exception as error:  # reported in the results, not hidden
                    errors[name].append(f"round {number}: {type(error).__name__}: {error}")
                    continue
                for key, value in times.items():
                    rounds[name][key].append(value)
        print(f"save/approve: {args.rounds} rounds done", flush=True)

        # 2. API load: a pm token per database, both servers up, taking turns.
        tokens = {
            name: assistants[name].access.create_token("pm", [PROJECT], name="bench")[1]
            for name in names
        }
        draft_ids = {
            name: assistants[name].drafts.summaries(PROJECT, "status_report")[0].id
            for name in names
        }
        urls = {
            name: stack.enter_context(live_server(assistants[name], access_log=False))
            for name in names
        }
        load: dict[str, dict[str, Any]] = {
            name: {"wall_s": 0.0, "latencies": {n: [] for n, _ in MIX}, "errors": []}
            for name in names
        }
        for name in names:  # warm up
            run_clients(urls[name], tokens[name], draft_ids[name], args.clients, 3)
        for turn, name in enumerate(names + names[::-1]):
            got = run_clients(
                urls[name], tokens[name], draft_ids[name], args.clients, args.seconds / 2
            )
            load[name]["wall_s"] += got["wall_s"]
            for key, values in got["latencies"].items():
                load[name]["latencies"][key] += values
            load[name]["errors"] += got["errors"]
            print(f"load turn {turn + 1}/4 ({name}) done", flush=True)

    runtime = time.perf_counter() - began
    report(args, names, rounds, errors, load, ingest_s, machine(), runtime)


def report(
    args: argparse.Namespace,
    names: tuple[str, ...],
    rounds: dict[str, dict[str, list[float]]],
    errors: dict[str, list[str]],
    load: dict[str, dict[str, Any]],
    ingest_s: dict[str, float],
    machine_line: str,
    runtime: float,
) -> None:
    sqlite, pg = names
    print(f"\nMachine: {machine_line}")
    print(f"\nDraft save/approve, {WEEK}, {args.rounds} rounds per database (ms):\n")
    print("| step | database | mean | p50 | p95 |")
    print("|---|---|---:|---:|---:|")
    steps = STEPS
    stats = {name: {key: summary(rounds[name][key]) for key in steps.values()} for name in names}
    for label, key in steps.items():
        for name in names:
            s = stats[name][key]
            print(
                f"| {label} | {name} | {s['mean_ms']:.1f} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} |"
            )
    print("\n| step | PostgreSQL / SQLite, mean | p50 | p95 |")
    print("|---|---:|---:|---:|")
    for label, key in steps.items():
        a, b = stats[sqlite][key], stats[pg][key]
        print(
            f"| {label} | {b['mean_ms'] / a['mean_ms']:.2f} | {b['p50_ms'] / a['p50_ms']:.2f} | "
            f"{b['p95_ms'] / a['p95_ms']:.2f} |"
        )
    for name in names:
        if errors[name]:
            print(f"\n{name} save/approve errors: {errors[name]}")

    print(f"\nAPI reads, {args.clients} clients, {args.seconds:g} s per database:\n")
    print("| database | requests | req/s | p50 ms | p95 ms | errors |")
    print("|---|---:|---:|---:|---:|---:|")
    loads: dict[str, dict[str, Any]] = {}
    for name in names:
        everything = [v for values in load[name]["latencies"].values() for v in values]
        overall = summary(everything)
        loads[name] = {
            "requests": len(everything),
            "seconds": load[name]["wall_s"],
            "rps": len(everything) / load[name]["wall_s"],
            "p50_ms": overall["p50_ms"],
            "p95_ms": overall["p95_ms"],
            "errors": len(load[name]["errors"]),
            "error_samples": load[name]["errors"][:20],
            "by_route": {k: summary(v) for k, v in load[name]["latencies"].items()},
        }
        x = loads[name]
        print(
            f"| {name} | {x['requests']} | {x['rps']:.1f} | {x['p50_ms']:.1f} | "
            f"{x['p95_ms']:.1f} | {x['errors']} |"
        )
    a, b = loads[sqlite], loads[pg]
    print(
        f"\nPostgreSQL / SQLite: throughput {b['rps'] / a['rps']:.2f}, p50 "
        f"{b['p50_ms'] / a['p50_ms']:.2f}, p95 {b['p95_ms'] / a['p95_ms']:.2f}"
    )
    print("\n| route | SQLite p50 ms | p95 ms | PostgreSQL p50 ms | p95 ms | requests S / P |")
    print("|---|---:|---:|---:|---:|---:|")
    for route, _ in MIX:
        s, p = a["by_route"][route], b["by_route"][route]
        print(
            f"| {route} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | {p['p50_ms']:.1f} | "
            f"{p['p95_ms']:.1f} | {s['n']} / {p['n']} |"
        )
    for name in names:
        if load[name]["errors"]:
            print(f"\n{name} API errors (first 5): {load[name]['errors'][:5]}")
    print(f"\nBench runtime: {runtime:.0f} s")

    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "machine": machine_line,
                "rounds": args.rounds,
                "clients": args.clients,
                "seconds": args.seconds,
                "runtime_s": runtime,
                "ingest_s": ingest_s,
                "save_approve": stats,
                "save_approve_errors": errors,
                "api": loads,
                "mix": dict(MIX),
            },
            indent=2,
        )
    )
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
