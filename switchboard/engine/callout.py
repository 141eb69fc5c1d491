"""The AMI Originate of a callback (docs/call-flow.md, "Callbacks").

The engine originates only a Local channel pair into the dialplan's switchboard-callout: its
second half rings the operator (`operator`), its first half, once the operator answered,
whispers and dials the caller through the trunk (`caller`). The dialplan, not AMI, decides
what is dialled; the AMI user needs the `originate` write class for this, which manager.conf
documents. Variables reach both halves: a Local channel copies the first half's variables to
the second when it is called [S: main/core_unreal.c ast_unreal_call_setup].
"""

from __future__ import annotations

from switchboard.asterisk.ami.protocol import Fields
from switchboard.core.effects import CallbackOffer
from switchboard.core.rules import CallbackRule, TenantRule

CONTEXT = "switchboard-callout"
GRACE_S = 10  # the Originate waits this much longer than the operator's phone rings


def originate_fields(offer: CallbackOffer, tenant: TenantRule | None, ring_s: int) -> Fields:
    """The Originate action's fields for `offer` (ring the operator `ring_s` seconds)."""
    callback = tenant.callback if tenant is not None else CallbackRule()
    variables = {
        "SB_CALLID": offer.uniqueid,
        "SB_AGENT": offer.device,
        "SB_TENANT": offer.tenant,
        "SB_TAG": offer.tag,
        "SB_QUEUE": offer.queue,
        "SB_RING": str(ring_s),
        "SB_CB_NUMBER": offer.number,
        "SB_CB_FROM": offer.from_number,
        "SB_CB_ATTEMPT": str(offer.attempt),
        "SB_CB_RING": str(callback.ring_s),
        "SB_CB_WHISPER": callback.whisper or "",
        "SB_LANG": tenant.language if tenant is not None else "",
    }
    return (
        ("Channel", f"Local/operator@{CONTEXT}/n"),
        ("Context", CONTEXT),
        ("Exten", "caller"),
        ("Priority", "1"),
        ("Timeout", str((ring_s + GRACE_S) * 1000)),
        ("CallerID", f'"CALLBACK {offer.tag}" <{offer.number}>'),
        ("Async", "true"),
        ("ChannelId", offer.channel_id),
        ("OtherChannelId", offer.other_id),
        *(("Variable", f"{name}={value}") for name, value in variables.items()),
    )
