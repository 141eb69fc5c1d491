"""Read-only views of the live state for MQTT, the REST API and the wallboard (pure, `now` given)."""

from switchboard.views.board import Board
from switchboard.views.build import (
    agent_view,
    connected_calls,
    overview,
    queue_view,
    tenant_view,
    waiting_calls,
)
from switchboard.views.catalog import Catalog, catalog_of
from switchboard.views.events import CallEvent, call_events
from switchboard.views.models import (
    AgentCounts,
    AgentView,
    CallView,
    Counts,
    Overview,
    QueueView,
    TenantView,
    Today,
)
from switchboard.views.tally import Tally, tally

__all__ = [
    "AgentCounts",
    "AgentView",
    "Board",
    "CallEvent",
    "CallView",
    "Catalog",
    "Counts",
    "Overview",
    "QueueView",
    "Tally",
    "TenantView",
    "Today",
    "agent_view",
    "call_events",
    "catalog_of",
    "connected_calls",
    "overview",
    "queue_view",
    "tally",
    "tenant_view",
    "waiting_calls",
]
