"""Risks: each labelled week's risk suggestions, on a register of its own. Recall, precision,
non-risks, checks passed."""

from __future__ import annotations

from assistant.domain.period import week_period
from evals.metrics import ExpectedRisk, risk_scores
from evals.results import CaseResult, Tally
from evals.suites.base import EvalSuite, SuiteRun, attempt


def run(suite: SuiteRun) -> list[CaseResult]:
    cases: list[CaseResult] = []
    project = suite.project
    for case in project.risks.weeks if project.risks else []:
        if not suite.wanted(case.week):
            continue
        result = CaseResult("risks", project.name, case.week, passed=False)
        scratch = suite.workspace.scratch_copy(f"risks-{project.name}-{case.week}")
        suggested = attempt(
            result, cases, scratch.suggest_risks, project.name, week_period(case.week)
        )
        if suggested is None:
            continue
        draft_id, run = suggested
        result.prompt_tokens = run.input_tokens or 0
        entries = scratch.risks(project.name)
        expected = [ExpectedRisk(r.id, r.category, tuple(r.terms)) for r in case.expected]
        score = risk_scores(
            [(e.category, f"{e.title}. {e.cause}. {e.event}. {e.effect}") for e in entries],
            expected,
            case.non_risks,
        )
        checks = scratch.draft_checks(draft_id)
        result.values = {
            "proposals": score.proposals,
            "expected": score.expected,
            "matched": len(score.matched),
            "non_risks_found": len(score.noise_found),
            "dropped": len(run.dropped),
            "checks_passed": float(bool(checks and checks.passed)),
            "schema_valid": 1.0,
        }
        missed = sorted({r.id for r in expected} - set(score.matched))
        result.notes = [f"missed: {m}" for m in missed]
        result.notes += [f"not labelled: {t}" for t in score.unmatched_proposals]
        result.notes += [f"non-risk proposed: {n}" for n in score.noise_found]
        result.passed = not result.notes
        cases.append(result)
    return cases


def metrics(tally: Tally) -> dict[str, float | None]:
    ran = tally.ran
    return {
        "recall": tally.share(tally.total("matched"), tally.total("expected")),
        "precision": tally.share(tally.total("matched"), tally.total("proposals")),
        "non_risk_free": tally.share(
            tally.count(lambda c: not c.values.get("non_risks_found")), len(ran)
        ),
        "checks_passed": tally.share(tally.total("checks_passed"), len(ran)),
    }


SUITE = EvalSuite(name="risks", run=run, metrics=metrics, real=True)
