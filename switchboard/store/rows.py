"""Call records and calendar overrides to table rows and back (JSON for the small nested lists)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from switchboard.core.overrides import Override
from switchboard.core.records import CallRecord
from switchboard.core.state import Attempt, Callback, Transfer


def call_row(r: CallRecord) -> dict[str, Any]:
    """The `calls` row of a record."""
    return {
        "id": r.id,
        "tenant": r.tenant,
        "service": r.service,
        "queue": r.queue,
        "did": r.did,
        "channel": r.channel,
        "tag": r.tag,
        "caller_num": r.caller_num,
        "caller_name": r.caller_name,
        "language": r.language,
        "priority": r.priority,
        "target_answer_s": r.target_answer_s,
        "via": r.via,
        "arrived_at": r.arrived_at,
        "queued_at": r.queued_at,
        "wait_from": r.wait_from,
        "answered_at": r.answered_at,
        "answered_by": r.answered_by,
        "answered_by_home": r.answered_by_home,
        "agent": r.agent,
        "ended_at": r.ended_at,
        "outcome": r.outcome,
        "overflow_step": r.overflow_step,
        "callback_offered": r.callback_offered,
        "callback": None if r.callback is None else json.dumps(asdict(r.callback)),
        "refused": json.dumps([list(x) for x in r.refused]),
        "timeline": json.dumps([list(x) for x in r.timeline], ensure_ascii=False),
        "updated_at": r.updated_at,
    }


def offer_rows(r: CallRecord) -> list[dict[str, Any]]:
    """The `call_offers` rows of a record, in order (with each operator's home tenant)."""
    homes = dict(r.homes)
    return [
        {
            "call_id": r.id,
            "seq": i,
            "agent": a.agent,
            "home": homes.get(a.agent),
            "offered_at": a.at,
            "recall": a.recall,
            "delivery": a.delivery,
            "delivery_at": a.delivery_at,
            "rang": a.rang,
            "result": a.result,
            "answered_at": a.answered_at,
            "ended_at": a.ended_at,
        }
        for i, a in enumerate(r.attempts)
    ]


def transfer_rows(r: CallRecord) -> list[dict[str, Any]]:
    """The `call_transfers` rows of a record, in order."""
    return [
        {
            "call_id": r.id,
            "seq": i,
            "at": t.at,
            "by_agent": t.by,
            "target": t.target,
            "kind": t.kind,
            "result": t.result,
            "ended_at": t.ended_at,
        }
        for i, t in enumerate(r.transfers)
    ]


def record_from(
    row: Mapping[str, Any],
    offers: Sequence[Mapping[str, Any]],
    transfers: Sequence[Mapping[str, Any]],
) -> CallRecord:
    """Rebuild a record from its rows (offers and transfers in `seq` order)."""
    return CallRecord(
        id=row["id"],
        tenant=row["tenant"],
        service=row["service"],
        queue=row["queue"],
        did=row["did"],
        channel=row["channel"],
        tag=row["tag"],
        caller_num=row["caller_num"],
        caller_name=row["caller_name"],
        language=row["language"],
        priority=row["priority"],
        target_answer_s=row["target_answer_s"],
        via=row["via"],
        arrived_at=row["arrived_at"],
        queued_at=row["queued_at"],
        wait_from=row["wait_from"],
        answered_at=row["answered_at"],
        answered_by=row["answered_by"],
        answered_by_home=row["answered_by_home"],
        agent=row["agent"],
        ended_at=row["ended_at"],
        outcome=row["outcome"],
        overflow_step=row["overflow_step"],
        callback_offered=bool(row["callback_offered"]),
        attempts=tuple(
            Attempt(
                agent=o["agent"],
                at=o["offered_at"],
                recall=bool(o["recall"]),
                delivery=o["delivery"],
                delivery_at=o["delivery_at"],
                rang=bool(o["rang"]),
                result=o["result"],
                answered_at=o["answered_at"],
                ended_at=o["ended_at"],
            )
            for o in offers
        ),
        transfers=tuple(
            Transfer(
                at=t["at"],
                by=t["by_agent"],
                target=t["target"],
                kind=t["kind"],
                result=t["result"],
                ended_at=t["ended_at"],
            )
            for t in transfers
        ),
        refused=tuple((str(a), float(at)) for a, at in json.loads(row["refused"])),
        timeline=tuple((float(at), str(w)) for at, w in json.loads(row["timeline"])),
        updated_at=row["updated_at"],
        homes=tuple(sorted({(o["agent"], o["home"]) for o in offers if o["home"] is not None})),
        callback=Callback(**json.loads(row["callback"])) if row.get("callback") else None,
    )


def override_row(o: Override) -> dict[str, Any]:
    """The `overrides` row of one calendar override."""
    return {
        "tenant": o.tenant,
        "service": o.service,
        "force": o.force,
        "until": o.until,
        "by_name": o.by,
        "reason": o.reason,
        "set_at": o.at,
    }
