"""Weekly status reports: facts and rules by code, summary by a model or the offline writer."""

from assistant.reports.drafting import ReportDrafter

__all__ = ["ReportDrafter"]
