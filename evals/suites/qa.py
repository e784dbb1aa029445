"""Questions: each labelled question. Retrieval recall@k and MRR, answer fact recall, citation
validity and support, unanswerable questions declined, and answerable ones declined (a ceiling:
an assistant that declines everything would decline every unanswerable question too)."""

from __future__ import annotations

from assistant.domain.answer import Answer
from assistant.grounding import grounding_problems
from assistant.text.citations import CITATION_GROUP
from evals.metrics import recall_at_k, reciprocal_rank
from evals.results import CaseResult, Tally
from evals.suites.base import EvalSuite, SuiteRun, attempt

RETRIEVAL_K = 8


def run(suite: SuiteRun) -> list[CaseResult]:
    cases: list[CaseResult] = []
    project = suite.project
    for question in project.questions.questions if project.questions else []:
        if suite.questions and question.id not in suite.questions:
            continue
        result = CaseResult("qa", project.name, question.id, passed=False)
        answer = attempt(result, cases, suite.workspace.ask, question.question, project.name)
        if answer is None:
            continue
        result.prompt_tokens = answer.input_tokens or 0
        retrieved = [source.document_id for source in answer.sources]
        sources = {s.citation: s for s in answer.sources}
        cited = [s for s in answer.sentences if s.citations]
        citations = [c for s in answer.sentences for c in (*s.citations, *s.invalid_citations)]
        supported = [
            s
            for s in cited
            if not grounding_problems(
                CITATION_GROUP.sub("", s.text), s.citations, sources, (), None
            )
        ]
        text = answer.text.lower()
        declined = declines(answer, question.answerable)
        judged, judge_ok = suite.judge(
            [(s.text, [sources[c] for c in s.citations if c in sources]) for s in cited]
        )
        values: dict[str, float] = {
            "judged": judged,
            "judge_supported": judge_ok,
            "answerable": float(question.answerable),
            "citations": len(citations),
            "citations_resolving": sum(len(s.citations) for s in answer.sentences),
            "cited_sentences": len(cited),
            "supported_sentences": len(supported),
            "declined": float(declined),
            "schema_valid": 1.0,
        }
        if question.answerable:
            found = [f for f in question.facts if f.lower() in text]
            values |= {
                "recall_at_k": recall_at_k(retrieved, question.relevant, RETRIEVAL_K),
                "reciprocal_rank": reciprocal_rank(retrieved, question.relevant),
                "facts_found": len(found),
                "facts_total": len(question.facts),
            }
            result.notes = [f"missing fact: {f}" for f in question.facts if f not in found]
            if declined:
                result.notes.append("declined a question the record answers")
            result.passed = values["recall_at_k"] > 0 and not declined
        else:
            result.passed = declined
            if not declined:
                result.notes = ["answered a question the record does not cover"]
        result.values = values
        cases.append(result)
    return cases


def declines(answer: Answer, answerable: bool) -> bool:
    """Whether the answer declines: the record does not (or only weakly) cover the question.
    An unanswerable question is declined by any sentence saying what the record lacks; an
    answerable one only when nothing the answer says is sourced (a gap beside cited facts is a
    fair caveat, not a refusal)."""
    if answer.coverage in ("not_covered", "weak"):
        return True
    if not answerable:
        return any(s.gap for s in answer.sentences)
    return not any(s.citations for s in answer.sentences)


def metrics(tally: Tally) -> dict[str, float | None]:
    def answerable(case: CaseResult) -> bool:
        return bool(case.values.get("answerable"))

    asked = [c for c in tally.ran if answerable(c)]
    return {
        "recall_at_8": round(sum(c.values["recall_at_k"] for c in asked) / len(asked), 4)
        if asked
        else None,
        "mrr": round(sum(c.values["reciprocal_rank"] for c in asked) / len(asked), 4)
        if asked
        else None,
        "answer_fact_recall": tally.share(
            tally.total("facts_found", answerable), tally.total("facts_total")
        ),
        "citation_validity": tally.share(
            tally.total("citations_resolving"), tally.total("citations")
        ),
        "citation_support": tally.share(
            tally.total("supported_sentences"), tally.total("cited_sentences")
        ),
        "unanswerable_declined": tally.share(
            tally.total("declined", lambda c: not answerable(c)),
            tally.count(lambda c: not answerable(c)),
        ),
        "answerable_declined_max": tally.share(
            tally.total("declined", answerable), tally.count(answerable)
        ),
    }


SUITE = EvalSuite(name="qa", run=run, metrics=metrics, real=True)
