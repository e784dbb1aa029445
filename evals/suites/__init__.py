"""The eval suites, in the order they run. Adding a suite is one module (its `SUITE`: how it runs
a project's cases and which metrics it pools) plus one line in `SUITES`; `--suite` and
`thresholds.yaml` take the names this table holds."""

from __future__ import annotations

import re

from assistant.domain.errors import InvalidInputError
from evals.suites import extraction, injection, qa, reports, risks
from evals.suites.base import EvalSuite, SuiteRun

SUITES: tuple[EvalSuite, ...] = (
    reports.SUITE,
    risks.SUITE,
    qa.SUITE,
    injection.SUITE,
    extraction.SUITE,
)


def names() -> list[str]:
    return [suite.name for suite in SUITES]


def parse_suites(text: str) -> tuple[EvalSuite, ...]:
    """`all`, or suite names separated by commas or spaces (run in the registry's order)."""
    if text == "all":
        return SUITES
    chosen = [s.strip() for s in re.split(r"[,\s]+", text) if s.strip()]
    unknown = [s for s in chosen if s not in names()]
    if unknown:
        raise InvalidInputError(
            f"Unknown suite {', '.join(unknown)}: use {', '.join(names())} or all.",
            field="suite",
        )
    return tuple(s for s in SUITES if s.name in chosen)


__all__ = ["SUITES", "EvalSuite", "SuiteRun", "names", "parse_suites"]
