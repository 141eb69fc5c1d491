"""The HTTP surface inside the engine's loop: health, readiness and metrics (later the REST API
and the wallboard add their routes to the same server)."""

from switchboard.http.health import Check, Readiness
from switchboard.http.metrics import Metrics
from switchboard.http.server import HttpServer

__all__ = ["Check", "HttpServer", "Metrics", "Readiness"]
