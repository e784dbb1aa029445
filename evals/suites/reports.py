"""Reports: each labelled week's status report. Status accuracy (over the weeks whose status is
labelled), fact recall, noise, citation validity and support, invented entities, checks passed;
team coverage (of the items the team itself lists as done or in progress that week, the share a
line of the draft covers: holds at least 60% of the item's content words, `evals/matching.py`);
and, over the weeks labelled with whether the draft must challenge the status the record states,
the share that show the challenge (and the share that show one unasked)."""

from __future__ import annotations

from typing import Any

from assistant.domain.period import week_period
from assistant.grounding import grounding_problems, mentions
from assistant.review.checks import CheckContext
from evals.dataset import ReportCase
from evals.matching import covered
from evals.results import CaseResult, Tally
from evals.suites.base import EvalSuite, SuiteRun, attempt, contains, report_text


def run(suite: SuiteRun) -> list[CaseResult]:
    cases: list[CaseResult] = []
    project = suite.project
    context = suite.workspace.check_context(project.name)
    for case in project.report_cases():
        if not suite.wanted(case.week):
            continue
        result = CaseResult("reports", project.name, case.week, passed=False)
        drafted = attempt(
            result, cases, suite.workspace.draft_report, project.name, week_period(case.week)
        )
        if drafted is None:
            continue
        draft_id, report = drafted
        result.prompt_tokens = report.input_tokens or 0
        text = report_text(report)
        found = [fact for fact in case.must_appear if contains(text, fact)]
        noise = [n for n in case.must_not_appear if contains(text, n)]
        lines = report.lines()
        line_texts = [line.text for line in lines]
        sources = {s.citation: s for s in report.sources}
        citations = [c for line in lines for c in line.citations]
        cited_lines = [line for line in lines if line.citations]
        year = report.period.end.year
        supported = [
            line
            for line in cited_lines
            if not grounding_problems(
                line.text, line.citations, sources, context.known_people, year
            )
        ]
        mentioned, invented = _entities([*lines, *report.needs_checking], context, year)
        checks = suite.workspace.draft_checks(draft_id)
        judged, judge_ok = suite.judge(
            [
                (line.text, [sources[c] for c in line.citations if c in sources])
                for line in report.executive_summary
                if line.citations
            ]
        )
        labelled = case.expected_status is not None
        result.values = {
            "judged": judged,
            "judge_supported": judge_ok,
            "status_labelled": float(labelled),
            "status_correct": float(labelled and report.overall_status == case.expected_status),
            "facts_found": len(found),
            "facts_total": len(case.must_appear),
            "noise_found": len(noise),
            "citations": len(citations),
            "citations_resolving": sum(1 for c in citations if c in sources),
            "cited_lines": len(cited_lines),
            "supported_lines": len(supported),
            "entities": mentioned,
            "invented_entities": len(invented),
            "checks_passed": float(bool(checks and checks.passed)),
            "schema_valid": 1.0,
        }
        uncovered = [item.text for item in case.team_items if not covered(item.text, line_texts)]
        result.values |= {
            "team_items": len(case.team_items),
            "team_items_covered": len(case.team_items) - len(uncovered),
        }
        challenged = report.status_challenge is not None
        result.values |= _challenge(case, challenged)
        missing = [f for f in case.must_appear if f not in found]
        result.notes = (
            [f"status {report.overall_status}, expected {case.expected_status}"]
            if labelled and report.overall_status != case.expected_status
            else []
        )
        if case.challenge is not None and case.challenge != challenged:
            result.notes.append(
                "no status challenge shown" if case.challenge else "a status challenge shown"
            )
        result.notes += [f"not covered: {item}" for item in uncovered]
        result.notes += [f"missing: {m}" for m in missing] + [f"noise: {n}" for n in noise]
        result.notes += [f"invented: {i}" for i in invented]
        result.passed = not result.notes
        cases.append(result)
    return cases


def metrics(tally: Tally) -> dict[str, float | None]:
    ran = tally.ran
    entities = tally.total("entities")
    return {
        "status_accuracy": tally.share(
            tally.total("status_correct"), tally.total("status_labelled")
        ),
        "team_coverage": tally.share(tally.total("team_items_covered"), tally.total("team_items")),
        "challenge_shown": tally.share(
            tally.total("challenges_shown"), tally.total("challenges_expected")
        ),
        "challenge_unwarranted_max": tally.share(
            tally.total("challenges_unwarranted"), tally.total("challenges_unexpected")
        ),
        "fact_recall": tally.share(tally.total("facts_found"), tally.total("facts_total")),
        "noise_free": tally.share(tally.count(lambda c: not c.values.get("noise_found")), len(ran)),
        "citation_validity": tally.share(
            tally.total("citations_resolving"), tally.total("citations")
        ),
        "citation_support": tally.share(tally.total("supported_lines"), tally.total("cited_lines")),
        "hallucinated_entity_rate_max": tally.share(tally.total("invented_entities"), entities)
        if entities
        else 0.0,
        "checks_passed": tally.share(tally.total("checks_passed"), len(ran)),
    }


def _challenge(case: ReportCase, challenged: bool) -> dict[str, float]:
    """Whether the week's draft challenges the stated status as its label says (nothing when the
    label does not say)."""
    if case.challenge is None:
        return {}
    if case.challenge:
        return {"challenges_expected": 1.0, "challenges_shown": float(challenged)}
    return {"challenges_unexpected": 1.0, "challenges_unwarranted": float(challenged)}


def _entities(lines: list[Any], context: CheckContext, year: int) -> tuple[int, list[str]]:
    """How many ticket keys, dates and amounts the lines name, and which the record lacks."""
    mentioned = 0
    invented: list[str] = []
    for line in lines:
        found = mentions(line.text, (), year)
        mentioned += len(found.ticket_keys) + len(found.dates) + len(found.amounts)
        invented += context.entities.invented(line.text, year)
    return mentioned, invented


SUITE = EvalSuite(name="reports", run=run, metrics=metrics, real=True)
