"""Risk suggestions and the risk register: signals -> proposals -> checks -> register."""

from assistant.domain.risk import RiskEntry, RiskProposal, RiskSuggestionRun

__all__ = ["RiskEntry", "RiskProposal", "RiskSuggestionRun"]
