"""Real teams' records as labelled projects: where the records are, and a project's slice of
them staged for a run.

The records are not in the repository: they are in the folder `PMASSIST_REAL_RECORDS` names, else
in `shared/real-records` in the folder that holds the checkout; one folder per corpus. The labels
are (`evals/real/<corpus>/`): a corpus folder with a `scope.yaml` is a real project whose record
is the files of `<records>/<corpus>/` that its `include` globs match (the whole of a corpus takes
too long to ingest for every run). The slice is copied into the run's work folder as
`<work>/real/<corpus>/<path in the corpus>`, so the ingest names each file (and so each document
id) as `pmassist ingest <records>/<corpus>` would.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import evals
from evals.dataset import FixtureError, FixtureProject, load_real_project

LABELS = Path(evals.__file__).resolve().parent / "real"
RECORDS_ENV = "PMASSIST_REAL_RECORDS"


def records_folder() -> Path:
    """Where the real records are: `PMASSIST_REAL_RECORDS`, else `shared/real-records` in the
    folder that holds the checkout."""
    given = os.environ.get(RECORDS_ENV)
    if given:
        return Path(given).expanduser()
    return LABELS.parent.parent.parent / "shared" / "real-records"


def real_project_names(labels: Path = LABELS) -> list[str]:
    """The corpora labelled as projects (a folder of `labels` with a scope.yaml), by name."""
    if not labels.is_dir():
        return []
    return sorted(p.name for p in labels.iterdir() if (p / "scope.yaml").is_file())


def load_real_projects(
    labels: Path = LABELS, only: list[str] | None = None
) -> list[FixtureProject]:
    """Every real project under `labels` (of those named in `only`, when given), by name. A label
    file that does not fit its schema is an error naming file and field."""
    return [
        load_real_project(labels / name)
        for name in real_project_names(labels)
        if not only or name in only
    ]


@dataclass
class Staged:
    """A real project's slice, copied: the folder to ingest, how many files, and what went
    wrong (a glob that matches nothing, a corpus folder that is not there)."""

    folder: Path
    files: int = 0
    problems: list[str] = field(default_factory=list)


def included_files(corpus: Path, globs: list[str]) -> tuple[list[Path], list[str]]:
    """The files of `corpus` the globs match (relative to it, sorted, each once), and the globs
    that match none. A glob may not climb out of the corpus folder."""
    found: set[Path] = set()
    empty: list[str] = []
    for pattern in globs:
        if Path(pattern).is_absolute() or ".." in Path(pattern).parts:
            raise FixtureError(f"scope glob '{pattern}' must stay inside the corpus folder.")
        matched = [p.relative_to(corpus) for p in corpus.glob(pattern) if p.is_file()]
        if not matched:
            empty.append(pattern)
        found.update(matched)
    return sorted(found), empty


def stage(project: FixtureProject, records: Path, work: Path) -> Staged:
    """Copy the project's slice of `records/<project>/` to `work/real/<project>/`, keeping each
    file's path in the corpus, and point the project's record at it."""
    assert project.scope is not None, "only a real project has a scope"
    corpus = records / project.name
    staged = Staged(work / "real" / project.name)
    project.staged = staged.folder
    if not corpus.is_dir():
        staged.problems.append(f"{project.name}: no corpus folder at {corpus}")
        return staged
    files, empty = included_files(corpus, project.scope.include)
    staged.problems += [f"{project.name}: scope glob '{g}' matches no file" for g in empty]
    for relative in files:
        target = staged.folder / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(corpus / relative, target)
    staged.files = len(files)
    if not files:
        staged.problems.append(f"{project.name}: the scope matches no file in {corpus}")
    return staged
