"""`evals/thresholds.yaml`: the floor (or, for a name ending in `_max`, the ceiling) of every
gated metric, per engine and suite. A run that misses one fails.

The fixtures are gated by `offline:` and `model:`; the real projects (real teams' records, hand
labelled: `evals/real/`) by the same two keys under `real:`, and only where their records are
present (else the real set is skipped and gates nothing). A suite is gated on each set by that
set's figures pooled over the set's projects, never by the other set's.

A gated metric with nothing to measure fails as missing on the fixtures, whose labels are
complete by design; on the real set it gates nothing: real labels hold only what the records
state (no Jenkins note states an overall status, so no week has one to score).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals import suites
from evals.dataset import FixtureError
from evals.results import SuiteResult

SuiteThresholds = dict[str, float]
# Metrics measured only over cases labelled for them: a run whose cases label none has no value.
LABELLED_ONLY = frozenset({"challenge_shown", "challenge_unwarranted_max", "status_accuracy"})


class RealThresholds(BaseModel):
    """The gates of the real set, per engine."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    offline: dict[str, SuiteThresholds] = Field(default_factory=dict)
    model: dict[str, SuiteThresholds] = Field(default_factory=dict)


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    offline: dict[str, SuiteThresholds]
    model: dict[str, SuiteThresholds]
    real: RealThresholds = Field(default_factory=RealThresholds)

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
            thresholds = cls.model_validate(data)
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as error:
            raise FixtureError(f"{path}: cannot be read ({error}).") from error
        except ValidationError as error:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5]
            )
            raise FixtureError(f"{path}: {problems}.") from None
        on_real = [suite.name for suite in suites.SUITES if suite.real]
        for where, gates, known in (
            ("offline", thresholds.offline, suites.names()),
            ("model", thresholds.model, suites.names()),
            ("real.offline", thresholds.real.offline, on_real),
            ("real.model", thresholds.real.model, on_real),
        ):
            unknown = sorted(set(gates) - set(known))
            if unknown:
                raise FixtureError(
                    f"{path}: {where}: unknown suite {', '.join(unknown)} "
                    f"(the suites {'over the real projects ' if '.' in where else ''}"
                    f"are {', '.join(known)})."
                )
        return thresholds

    def for_engine(self, engine: str, dataset: str = "fixtures") -> dict[str, SuiteThresholds]:
        """The gates of one engine on one set of projects."""
        if dataset == "real":
            return self.real.offline if engine == "offline" else self.real.model
        return self.offline if engine == "offline" else self.model

    def failures(self, engine: str, suites: list[SuiteResult]) -> list[str]:
        """Each metric that misses its bound, as `reports.fact_recall 0.85 < 0.9` (on the real
        set: `real reports.team_coverage 0.4 < 0.6`). Skipped suites gate nothing, and nor does
        a metric the run has nothing labelled to measure (a status challenge when the weeks
        chosen label none; any metric of the real set)."""
        failed = []
        for suite in suites:
            if suite.skipped is not None:
                continue
            for name, bound in self.for_engine(engine, suite.dataset).get(suite.suite, {}).items():
                if name not in suite.metrics:
                    if suite.dataset == "fixtures" and name not in LABELLED_ONLY:
                        failed.append(f"{suite.label}.{name}: no such metric")
                    continue
                value = suite.metrics[name]
                if name.endswith("_max") and value > bound:
                    failed.append(f"{suite.label}.{name} {value:g} > {bound:g}")
                elif not name.endswith("_max") and value < bound:
                    failed.append(f"{suite.label}.{name} {value:g} < {bound:g}")
        return failed
