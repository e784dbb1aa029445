"""`evals/thresholds.yaml`: the floor (or, for a name ending in `_max`, the ceiling) of every
gated metric, per engine and suite. A run that misses one fails."""

from __future__ import annotations

from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from evals import suites
from evals.dataset import FixtureError
from evals.results import SuiteResult

SuiteThresholds = dict[str, float]


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    offline: dict[str, SuiteThresholds]
    model: dict[str, SuiteThresholds]

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
        for engine, gates in (("offline", thresholds.offline), ("model", thresholds.model)):
            unknown = sorted(set(gates) - set(suites.names()))
            if unknown:
                raise FixtureError(
                    f"{path}: {engine}: unknown suite {', '.join(unknown)} "
                    f"(the suites are {', '.join(suites.names())})."
                )
        return thresholds

    def for_engine(self, engine: str) -> dict[str, SuiteThresholds]:
        return self.offline if engine == "offline" else self.model

    def failures(self, engine: str, suites: list[SuiteResult]) -> list[str]:
        gates = self.for_engine(engine)
        failed = []
        for suite in suites:
            for name, bound in gates.get(suite.suite, {}).items():
                if name not in suite.metrics:
                    failed.append(f"{suite.suite}.{name}: no such metric")
                    continue
                value = suite.metrics[name]
                if name.endswith("_max") and value > bound:
                    failed.append(f"{suite.suite}.{name} {value:g} > {bound:g}")
                elif not name.endswith("_max") and value < bound:
                    failed.append(f"{suite.suite}.{name} {value:g} < {bound:g}")
        return failed
