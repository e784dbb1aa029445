"""The web app: server-rendered pages and a little JavaScript of our own (no CDN), over the same
service as the API and the CLI. Every form post carries the session's CSRF token; every page
escapes what it shows (Jinja2 autoescaping), and the only script is our own."""

from __future__ import annotations

from assistant.web import drafts, login, records, risks, runs

ROUTERS = (login.router, records.router, drafts.router, risks.router, runs.router)

__all__ = ["ROUTERS"]
