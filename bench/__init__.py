"""Benchmarks. Importing the package sets up what every benchmark runs with: the tiktoken
vocabulary beside the checkout when there is one, and no model hub or telemetry traffic."""

import os
from pathlib import Path

_VOCAB = Path(__file__).resolve().parent.parent.parent / "shared" / "tiktoken"
if _VOCAB.is_dir():
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(_VOCAB))
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
