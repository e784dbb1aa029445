"""The labelled fixtures as typed, strictly validated datasets.

Each fixture project is a folder under `evals/fixtures/` holding its record (`record/`) and up
to five label files, every one optional:

- `questions.yaml`  questions with their relevant documents and answer facts (and questions the
                    record cannot answer);
- `reports.yaml`    per ISO week: the overall status a PM would report, facts that must appear
                    in the status report, noise that must not;
- `risks.yaml`      per ISO week: the risks that must be proposed (category + identifying terms)
                    and text that no proposal may contain;
- `injections.yaml` text planted in the record that gives orders, and what must not follow;
- `captured.yaml`   report cases captured from approved drafts (`pmassist eval capture`).

A real project (`evals/real/<corpus>/`, see `evals/real_records.py`) has no record of its own:
its `scope.yaml` names the slice of a corpus of real records that stands for one, and it has up
to three label files: `questions.yaml`, `reports.yaml` (whose weeks may also list the team's own
done and in-progress items, and whether the draft must challenge the status the record states)
and `risks.yaml`.

An unknown key, a missing field or a wrong type is an error naming the file and the field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from assistant.domain.errors import PmassistError
from assistant.domain.report import OverallStatus, StatusColour
from assistant.domain.risk import RiskCategory

ISO_WEEK = re.compile(r"^\d{4}-W\d{2}$")
# The same vocabularies as the drafts the labels describe.
Colour = StatusColour
Category = RiskCategory
# The labelled projects come in two sets, measured and gated apart: the fixtures (a record written
# for the evals) and the real projects (a slice of real teams' records, hand labelled).
DataSet = Literal["fixtures", "real"]
DATA_SETS: tuple[DataSet, ...] = ("fixtures", "real")


class FixtureError(PmassistError):
    """A label file that does not match its schema; the message names the file and field."""


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class QuestionCase(Strict):
    id: str = Field(min_length=1)
    question: str = Field(min_length=3)
    answerable: bool
    relevant: list[str] = Field(default_factory=list, description="Document ids that answer it.")
    facts: list[str] = Field(default_factory=list, description="What a correct answer states.")

    @model_validator(mode="after")
    def _consistent(self) -> QuestionCase:
        if self.answerable and not self.relevant:
            raise ValueError("an answerable question needs its relevant documents")
        if not self.answerable and (self.relevant or self.facts):
            raise ValueError("an unanswerable question has no relevant documents or facts")
        return self


class QuestionSet(Strict):
    project: str
    questions: list[QuestionCase]

    @model_validator(mode="after")
    def _unique(self) -> QuestionSet:
        _no_repeats([q.id for q in self.questions], "question id")
        return self


class TeamItem(Strict):
    """Something the team itself lists as done or in progress that week: what a draft covers."""

    text: str = Field(min_length=1)
    state: Literal["done", "in_progress"]


class ReportCase(Strict):
    week: str = Field(pattern=ISO_WEEK.pattern)
    expected_status: OverallStatus | None = Field(
        description="The status a PM would report; null when no status is labelled (not scored)."
    )
    must_appear: list[str] = Field(default_factory=list)
    must_not_appear: list[str] = Field(default_factory=list)
    team_items: list[TeamItem] = Field(default_factory=list)
    challenge: bool | None = Field(
        default=None,
        description="Whether the draft must challenge the status the record states (the rules "
        "find worse); null when not labelled.",
    )
    source: str | None = Field(default=None, description="Where a captured case came from.")


class ReportSet(Strict):
    project: str
    weeks: list[ReportCase]


class ExpectedRisk(Strict):
    id: str = Field(min_length=1)
    category: Category
    terms: list[str] = Field(min_length=1)


class RiskCase(Strict):
    week: str = Field(pattern=ISO_WEEK.pattern)
    expected: list[ExpectedRisk]
    non_risks: list[str] = Field(
        default_factory=list, description="Text no proposal may contain (noise, planted orders)."
    )

    @model_validator(mode="after")
    def _unique(self) -> RiskCase:
        _no_repeats([r.id for r in self.expected], "risk id")
        return self


class RiskSet(Strict):
    project: str
    weeks: list[RiskCase]


class InjectionCase(Strict):
    id: str = Field(min_length=1)
    planted_in: str = Field(description="The document id that carries the planted text.")
    planted: str = Field(description="The text that tries to give an order.")
    week: str = Field(pattern=ISO_WEEK.pattern, description="The week whose drafts it could sway.")
    expected_status: Colour = Field(description="The status the week's report must keep.")
    must_not_appear: list[str] = Field(
        min_length=1, description="Text that may appear in no report, proposal or answer."
    )
    question: str | None = Field(default=None, description="A question the planted text targets.")


class InjectionSet(Strict):
    project: str
    cases: list[InjectionCase]


class Scope(Strict):
    """A real project's record: the files of its corpus folder (`<records>/<project>/`) that the
    globs match, relative to that folder."""

    project: str
    include: list[str] = Field(min_length=1)


@dataclass
class FixtureProject:
    """One labelled project: its record and whichever label files it has. A fixture's record is
    its `record/` folder; a real project's is the slice of its corpus staged for the run."""

    name: str
    folder: Path
    questions: QuestionSet | None = None
    reports: ReportSet | None = None
    risks: RiskSet | None = None
    injections: InjectionSet | None = None
    captured: ReportSet | None = None
    files: list[str] = field(default_factory=list)
    dataset: DataSet = "fixtures"
    scope: Scope | None = None
    staged: Path | None = None  # where a real project's slice was copied for this run

    @property
    def record(self) -> Path:
        return self.staged or self.folder / "record"

    def report_cases(self) -> list[ReportCase]:
        return [
            *(self.reports.weeks if self.reports else []),
            *(self.captured.weeks if self.captured else []),
        ]


LABEL_FILES: dict[str, type[Strict]] = {
    "questions.yaml": QuestionSet,
    "reports.yaml": ReportSet,
    "risks.yaml": RiskSet,
    "injections.yaml": InjectionSet,
    "captured.yaml": ReportSet,
}
# A real project's labels, beside its scope.yaml (the records are real: nothing is planted).
REAL_LABEL_FILES = {
    name: LABEL_FILES[name] for name in ("questions.yaml", "reports.yaml", "risks.yaml")
}


def load_label_file(path: Path, schema: type[Strict], project: str) -> Strict:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
        raise FixtureError(f"{path}: cannot be read as YAML ({error}).") from error
    try:
        value = schema.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in item['loc']) or 'top level'}: {item['msg']}"
            for item in error.errors()[:8]
        )
        raise FixtureError(f"{path}: {problems}.") from None
    declared = getattr(value, "project", project)
    if declared != project:
        raise FixtureError(f"{path}: project: says '{declared}' but the folder is '{project}'.")
    return value


def load_fixture_project(folder: Path) -> FixtureProject:
    name = folder.name
    if not (folder / "record").is_dir():
        raise FixtureError(f"{folder}: a fixture project needs a record/ folder.")
    project = FixtureProject(name=name, folder=folder)
    for filename, schema in LABEL_FILES.items():
        path = folder / filename
        if path.is_file():
            setattr(project, filename.removesuffix(".yaml"), load_label_file(path, schema, name))
            project.files.append(filename)
    return project


def load_real_project(folder: Path) -> FixtureProject:
    """A real project: its scope (`scope.yaml`, required) and whichever label files it has."""
    name = folder.name
    scope = load_label_file(folder / "scope.yaml", Scope, name)
    assert isinstance(scope, Scope)
    project = FixtureProject(name=name, folder=folder, dataset="real", scope=scope)
    project.files.append("scope.yaml")
    for filename, schema in REAL_LABEL_FILES.items():
        path = folder / filename
        if path.is_file():
            setattr(project, filename.removesuffix(".yaml"), load_label_file(path, schema, name))
            project.files.append(filename)
    return project


def load_fixtures(root: Path, only: list[str] | None = None) -> list[FixtureProject]:
    """Every fixture project under `root` (folders with a record/), by name."""
    if not root.is_dir():
        raise FixtureError(f"No fixtures folder at {root}.")
    projects = [
        load_fixture_project(folder)
        for folder in sorted(root.iterdir())
        if folder.is_dir() and (folder / "record").is_dir()
    ]
    if only:
        unknown = sorted(set(only) - {p.name for p in projects})
        if unknown:
            raise FixtureError(
                f"No fixture project {', '.join(unknown)} in {root} "
                f"(there are: {', '.join(p.name for p in projects)})."
            )
        projects = [p for p in projects if p.name in only]
    return projects


def _no_repeats(ids: list[str], what: str) -> None:
    seen: set[str] = set()
    for item in ids:
        if item in seen:
            raise ValueError(f"{what} '{item}' appears twice")
        seen.add(item)
