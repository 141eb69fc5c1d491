"""Call records: the persisted form of a call at each milestone, and the way back after a restart."""

from __future__ import annotations

from dataclasses import dataclass

from immutables import Map

from switchboard.core.state import Attempt, Call, Callback, Transfer
from switchboard.core.topology import Topology


@dataclass(frozen=True, slots=True)
class CallRecord:
    """One call as reports read it; `outcome` None while the call is live."""

    id: str
    tenant: str
    service: str
    queue: str
    did: str
    channel: str
    tag: str
    caller_num: str
    caller_name: str
    language: str | None
    priority: int
    target_answer_s: int
    via: str
    arrived_at: float
    queued_at: float | None
    wait_from: float | None
    answered_at: float | None
    answered_by: str | None
    answered_by_home: str | None
    agent: str | None
    ended_at: float | None
    outcome: str | None
    overflow_step: int
    callback_offered: bool
    attempts: tuple[Attempt, ...]
    transfers: tuple[Transfer, ...]
    refused: tuple[tuple[str, float], ...]
    timeline: tuple[tuple[float, str], ...]
    updated_at: float
    homes: tuple[tuple[str, str], ...] = ()  # (operator, home tenant) of each offered operator
    callback: Callback | None = None

    @property
    def waited_s(self) -> float | None:
        """Seconds from first joining a queue to the answer or the end (None: never queued)."""
        if self.queued_at is None:
            return None
        end = self.answered_at if self.answered_at is not None else self.ended_at
        return None if end is None else max(0.0, end - self.queued_at)


def record_of(call: Call, topo: Topology) -> CallRecord:
    """The record of `call` as it stands (the answering operator's home from the topology)."""
    info = topo.agents.get(call.answered_by) if call.answered_by is not None else None
    home = info.home if info is not None else None
    offered = {a.agent for a in call.attempts}
    homes = tuple(sorted((a, topo.agents[a].home) for a in offered if a in topo.agents))
    return CallRecord(
        id=call.id,
        tenant=call.tenant,
        service=call.service,
        queue=call.queue,
        did=call.did,
        channel=call.channel,
        tag=call.tag,
        caller_num=call.caller_num,
        caller_name=call.caller_name,
        language=call.language,
        priority=call.priority,
        target_answer_s=call.target_answer_s,
        via=call.via,
        arrived_at=call.arrived_at,
        queued_at=call.waiting_since,
        wait_from=call.wait_from,
        answered_at=call.answered_at,
        answered_by=call.answered_by,
        answered_by_home=home,
        agent=call.agent,
        ended_at=call.ended_at,
        outcome=call.outcome,
        overflow_step=call.overflow_step,
        callback_offered=call.callback_offered,
        attempts=call.attempts,
        transfers=call.transfers,
        refused=tuple(sorted(call.refused.items())),
        timeline=call.timeline,
        updated_at=call.changed_at,
        homes=homes,
        callback=call.callback,
    )


def call_of(record: CallRecord, topo: Topology) -> Call:
    """The live call a not-ended record stands for (skills and overflow from today's config)."""
    info = topo.queues.get(record.queue)
    return Call(
        id=record.id,
        channel=record.channel,
        tenant=record.tenant,
        service=record.service,
        queue=record.queue,
        tag=record.tag,
        priority=record.priority,
        skills=info.skills if info is not None else (),
        target_answer_s=record.target_answer_s,
        overflow=info.overflow if info is not None else (),
        caller_num=record.caller_num,
        caller_name=record.caller_name,
        arrived_at=record.arrived_at,
        did=record.did,
        via=record.via,
        language=record.language,
        waiting_since=record.queued_at,
        wait_from=record.wait_from,
        attempts=record.attempts,
        agent=record.agent,
        answered_by=record.answered_by,
        answered_at=record.answered_at,
        transfers=record.transfers,
        refused=Map(record.refused),
        overflow_step=record.overflow_step,
        callback_offered=record.callback_offered,
        callback=record.callback,
        timeline=record.timeline,
    )
