"""Weekly status reports: facts and rules by code, summary by a model or the offline writer."""

from assistant.reports.drafting import ReportDrafter
from assistant.reports.schema import ReportLine, StatusReport

__all__ = ["ReportDrafter", "ReportLine", "StatusReport"]
