"""A real uvicorn server on 127.0.0.1 for a test, stopped when the test ends."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from assistant.server import create_app
from assistant.service import Assistant
from tests.conftest import free_port


@contextmanager
def live_server(
    assistant: Assistant,
    *,
    local_mode: bool = False,
    lifespan: str = "off",
    access_log: bool = True,
) -> Iterator[str]:
    """The app served on a free loopback port; yields its base URL. `lifespan="on"` runs
    the app's start-up and shut-down (the MCP session manager, the schedule)."""
    port = free_port()
    config = uvicorn.Config(
        create_app(assistant, local_mode=local_mode),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        lifespan=lifespan,
        access_log=access_log,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
