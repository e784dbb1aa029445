"""Extraction: what the loaders read from real teams' records, scored against hand labels.

The labels (`evals/real/<corpus>/meetings.yaml` and `decisions.yaml`; how they were written is in
`evals/real/README.md`) name files of a folder of real records that is not part of the
repository. Each labelled file is read by the loaders as `pmassist ingest` reads it, and the
document it yields is compared field by field with its label: dates, attendees, decisions,
actions and their owners, progress items and their states; a decision record's date, status,
deciders and title. Without the records folder the suite is skipped, not failed.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, TypeVar

import yaml
from pydantic import Field, TypeAdapter, ValidationError

from assistant.domain.record import ActionItem, Decision, Meeting
from evals.dataset import FixtureError, Strict
from evals.matching import LINK, fold, holds, normal_text, pair
from evals.real_records import LABELS, records_folder
from evals.results import CaseResult, Tally
from evals.suites.base import EvalSuite, SuiteRun
from ingest.loaders import load_file
from ingest.loaders.base import LoaderOptions, SourceFile
from ingest.loaders.boilerplate import SeriesBook

Label = TypeVar("Label", bound=Strict)


class ActionLabel(Strict):
    task: str = Field(min_length=1)
    owner: str | None = None
    done: bool = False


class ProgressLabel(Strict):
    text: str = Field(min_length=1)
    state: Literal["done", "in_progress", "new"]


class MeetingLabel(Strict):
    file: str = Field(min_length=1)
    heading: str | None = None
    date: dt.date | None
    attendees: list[str]
    decisions: list[str]
    actions: list[ActionLabel]
    progress: list[ProgressLabel]


class DecisionLabel(Strict):
    file: str = Field(min_length=1)
    date: dt.date | None
    date_precision: Literal["day", "month", "year"] | None
    status: str = Field(min_length=1, description="As written; 'unknown' when none is stated.")
    deciders: list[str]
    title: str | None = Field(description="None when the record has no title (not scored).")


def load_labels(
    root: Path = LABELS,
) -> dict[str, tuple[list[MeetingLabel], list[DecisionLabel]]]:
    """Every corpus's labels, by corpus (a folder of `root` with a meetings.yaml or a
    decisions.yaml). A label that does not fit its schema is an error naming file and field."""
    corpora: dict[str, tuple[list[MeetingLabel], list[DecisionLabel]]] = {}
    for folder in sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []:
        meetings = _label_file(folder / "meetings.yaml", MeetingLabel)
        decisions = _label_file(folder / "decisions.yaml", DecisionLabel)
        if meetings or decisions:
            corpora[folder.name] = (meetings, decisions)
    return corpora


def _label_file(path: Path, schema: type[Label]) -> list[Label]:
    if not path.is_file():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return TypeAdapter(list[schema]).validate_python(data or [])  # type: ignore[valid-type]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise FixtureError(f"{path}: cannot be read as YAML ({error}).") from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'top level'}: {item['msg']}"
            for item in error.errors()[:8]
        )
        raise FixtureError(f"{path}: {problems}.") from None


def evaluate(
    only: list[str] | None = None, records: Path | None = None, labels: Path = LABELS
) -> list[CaseResult] | str:
    """One case per labelled record (of the corpora in `only`, when given), or why there is
    nothing to measure. A run limited to fixture projects (`--project harbor`) names no
    corpus, and so skips the suite."""
    folder = records if records is not None else records_folder()
    if not folder.is_dir():
        return f"skipped: no real records at {folder}"
    corpora = load_labels(labels)
    if only:
        corpora = {name: kept for name, kept in corpora.items() if name in only}
        if not corpora:
            return f"skipped: no labelled corpus among {', '.join(only)}"
    if not corpora:
        return f"skipped: no labels in {labels}"
    cases: list[CaseResult] = []
    series = SeriesBook()  # each folder's boilerplate worked out once for the run
    for corpus, (meetings, decisions) in corpora.items():
        root = folder / corpus
        cases += [_meeting_case(corpus, root, label, series) for label in meetings]
        cases += [_decision_case(corpus, root, label, series) for label in decisions]
    return cases


def _read(
    corpus: str, root: Path, file: str, series: SeriesBook
) -> tuple[list[Meeting], list[Decision], float, str]:
    """The meetings and decision records the loaders make of one file (as `pmassist ingest`
    names it: from the corpus folder), the seconds it took, and why it yielded nothing."""
    path = root / file
    if not path.is_file():
        return [], [], 0.0, f"no such file: {path}"
    clock = time.perf_counter()
    # Read as the ingest reads it: with what the rest of its folder repeats (boilerplate).
    options = series.options_for(path, LoaderOptions(project="eval"))
    result = load_file(SourceFile(path, f"{corpus}/{file}"), options)
    seconds = time.perf_counter() - clock
    records = [loaded.document.record for loaded in result.documents]
    meetings = [r for r in records if isinstance(r, Meeting)]
    decisions = [r for r in records if isinstance(r, Decision)]
    why = "; ".join(f.reason for f in result.failures) or f"read as {result.format}"
    return meetings, decisions, seconds, why


def _pick_meeting(meetings: list[Meeting], label: MeetingLabel) -> Meeting | None:
    """The labelled meeting among a file's: by heading or date when the file holds several."""
    if label.heading is not None:
        wanted = normal_text(label.heading)
        for meeting in meetings:
            if normal_text(meeting.title) == wanted:
                return meeting
    if len(meetings) > 1 and label.date is not None:
        for meeting in meetings:
            if meeting.date == label.date:
                return meeting
    return meetings[0] if meetings else None


def _meeting_case(corpus: str, root: Path, label: MeetingLabel, series: SeriesBook) -> CaseResult:
    name = label.file + (f" › {label.heading}" if label.heading else "")
    result = CaseResult("extraction", corpus, name, passed=False)
    meetings, _, result.seconds, why = _read(corpus, root, label.file, series)
    meeting = _pick_meeting(meetings, label)
    notes: list[str] = [] if meeting else [f"no meeting read ({why})"]
    got = meeting or Meeting(title="")
    attendees = pair(label.attendees, got.attendees, same_name)
    decisions = pair(label.decisions, [d.text for d in got.decisions], holds)
    actions = pair([a.task for a in label.actions], [a.task for a in got.action_items], holds)
    progress = pair([p.text for p in label.progress], [p.text for p in got.progress], holds)
    owners = owner_scores(label.actions, got.action_items, actions)
    states_right = sum(
        1 for i, j in progress.items() if label.progress[i].state == got.progress[j].state
    )
    ticks_right = sum(
        1 for i, j in actions.items() if label.actions[i].done == got.action_items[j].done
    )
    result.values = {
        "meetings": 1.0,
        "meeting_dates_right": float(got.date == label.date),
        "schema_valid": 1.0,
        **counts("attendees", label.attendees, got.attendees, attendees),
        **counts("decisions", label.decisions, got.decisions, decisions),
        **counts("actions", label.actions, got.action_items, actions),
        **counts("progress", label.progress, got.progress, progress),
        **owners,
        "actions_ticked_right": ticks_right,
        "progress_states_right": states_right,
    }
    if got.date != label.date:
        notes.append(f"date: expected {label.date}, read {got.date}")
    notes += differences("attendee", label.attendees, got.attendees, attendees)
    notes += differences("decision", label.decisions, [d.text for d in got.decisions], decisions)
    labelled_tasks = [a.task for a in label.actions]
    notes += differences("action", labelled_tasks, [a.task for a in got.action_items], actions)
    for i, j in actions.items():
        expected, read = label.actions[i].owner, got.action_items[j].owner
        if not same_owner(expected, read):
            notes.append(f"owner of '{label.actions[i].task}': expected {expected}, read {read}")
        if label.actions[i].done != got.action_items[j].done:
            notes.append(f"'{label.actions[i].task}' done: expected {label.actions[i].done}")
    labelled_progress = [p.text for p in label.progress]
    notes += differences("progress", labelled_progress, [p.text for p in got.progress], progress)
    for i, j in progress.items():
        if label.progress[i].state != got.progress[j].state:
            notes.append(
                f"state of '{label.progress[i].text}': expected {label.progress[i].state}, "
                f"read {got.progress[j].state}"
            )
    result.notes = notes
    result.passed = not notes
    return result


def _decision_case(corpus: str, root: Path, label: DecisionLabel, series: SeriesBook) -> CaseResult:
    result = CaseResult("extraction", corpus, label.file, passed=False)
    _, decisions, result.seconds, why = _read(corpus, root, label.file, series)
    record = decisions[0] if decisions else None
    notes: list[str] = [] if record else [f"no decision record read ({why})"]
    got = record or Decision(id="", title="")
    checks = {
        "date": (label.date, got.date, label.date == got.date),
        "status": (label.status, got.status, same_status(label.status, got.status)),
        "deciders": (label.deciders, got.deciders, same_names(label.deciders, got.deciders)),
    }
    if label.date is not None:
        right = got.date_precision == label.date_precision
        checks["date precision"] = (label.date_precision, got.date_precision, right)
    if label.title is not None:
        right = normal_text(label.title) == normal_text(got.title)
        checks["title"] = (label.title, got.title, right)
    result.values = {
        "decision_records": 1.0,
        "decision_dates_right": float(checks["date"][2]),
        "dated_decision_records": float(label.date is not None),
        "date_precisions_right": float(checks.get("date precision", (0, 0, False))[2]),
        "statuses_right": float(checks["status"][2]),
        "deciders_right": float(checks["deciders"][2]),
        "titled_decision_records": float(label.title is not None),
        "titles_right": float(checks.get("title", (0, 0, False))[2]),
        "schema_valid": 1.0,
    }
    notes += [
        f"{field}: expected {expected}, read {read}"
        for field, (expected, read, right) in checks.items()
        if not right
    ]
    result.notes = notes
    result.passed = not notes
    return result


# Comparing texts ------------------------------------------------------------------------------


def normal_name(name: str | None) -> str:
    """A person as written, compared without case, accents, punctuation or a leading '@'."""
    return " ".join(re.findall(r"[^\W_]+", fold(name or "").lstrip("@")))


def same_name(label: str, read: str) -> float:
    return 1.0 if normal_name(label) and normal_name(label) == normal_name(read) else 0.0


def same_names(label: Sequence[str], read: Sequence[str]) -> bool:
    return sorted(map(normal_name, label)) == sorted(map(normal_name, read))


def same_owner(label: str | None, read: str | None) -> bool:
    """The same person, or one written by first name and the other in full ('Dana' and
    'Dana Fox'): minutes name owners the short way, a loader may resolve them."""
    left, right = normal_name(label).split(), normal_name(read).split()
    shorter, longer = sorted((left, right), key=len)
    return left == right or (bool(shorter) and longer[: len(shorter)] == shorter)


def same_status(label: str, read: str | None) -> bool:
    """Case, link syntax and surrounding punctuation aside ('{Active}', 'Accepted.');
    'unknown' is a record that states none."""
    if normal_text(label) == "unknown":
        return normal_text(read) in ("", "unknown")

    def plain(text: str) -> str:
        return " ".join(re.findall(r"[^\W_]+", fold(LINK.sub(r"\1", text))))

    return plain(label) == plain(read or "")


def counts(
    field: str, labels: Sequence[object], read: Sequence[object], matched: dict[int, int]
) -> dict[str, float]:
    return {
        f"{field}_expected": len(labels),
        f"{field}_read": len(read),
        f"{field}_matched": len(matched),
    }


def owner_scores(
    labels: Sequence[ActionLabel], read: Sequence[ActionItem], matched: dict[int, int]
) -> dict[str, float]:
    """Of matched actions whose label names an owner, how many read the right one; of matched
    actions read with an owner, how many are right."""
    named = [(labels[i], read[j]) for i, j in matched.items() if labels[i].owner]
    given = [(labels[i], read[j]) for i, j in matched.items() if read[j].owner]
    return {
        "owners_expected": len(named),
        "owners_right": sum(1 for lab, got in named if same_owner(lab.owner, got.owner)),
        "owners_read": len(given),
        "owners_read_right": sum(1 for lab, got in given if same_owner(lab.owner, got.owner)),
    }


def differences(
    what: str, labels: Sequence[str], read: Sequence[str], matched: dict[int, int]
) -> list[str]:
    used = set(matched.values())
    missed = [f"missed {what}: {label}" for i, label in enumerate(labels) if i not in matched]
    extra = [f"not labelled {what}: {text}" for j, text in enumerate(read) if j not in used]
    return missed + extra


# The suite ------------------------------------------------------------------------------------


def metrics(tally: Tally) -> dict[str, float | None]:
    total, share = tally.total, tally.share
    return {
        # How many records of each kind the figures stand on (left out when none).
        "meetings": total("meetings") or None,
        "decision_records": total("decision_records") or None,
        "meeting_date_accuracy": share(total("meeting_dates_right"), total("meetings")),
        **{
            f"{name}_{kind}": share(total(f"{field}_matched"), total(f"{field}_{whole}"))
            for name, field in (
                ("attendee", "attendees"),
                ("decision", "decisions"),
                ("action", "actions"),
                ("progress", "progress"),
            )
            for kind, whole in (("precision", "read"), ("recall", "expected"))
        },
        "owner_accuracy": share(total("owners_right"), total("owners_expected")),
        "owner_precision": share(total("owners_read_right"), total("owners_read")),
        # Of the matched actions, the share read as done (or not) as the record ticks them.
        "action_done_accuracy": share(total("actions_ticked_right"), total("actions_matched")),
        "progress_state_accuracy": share(total("progress_states_right"), total("progress_matched")),
        "decision_date_accuracy": share(total("decision_dates_right"), total("decision_records")),
        "date_precision_accuracy": share(
            total("date_precisions_right"), total("dated_decision_records")
        ),
        "status_accuracy": share(total("statuses_right"), total("decision_records")),
        "decider_accuracy": share(total("deciders_right"), total("decision_records")),
        "title_accuracy": share(total("titles_right"), total("titled_decision_records")),
    }


def _per_project(run: SuiteRun) -> list[CaseResult]:
    return []  # never called: the suite reads real records, not the fixture projects


SUITE = EvalSuite(name="extraction", run=_per_project, metrics=metrics, standalone=evaluate)
