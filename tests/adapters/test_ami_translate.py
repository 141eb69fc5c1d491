"""Translator edge cases: missing or bad fields are counted errors, escapes are kept."""

from __future__ import annotations

from switchboard.asterisk.ami import AmiMessage, Translator
from switchboard.asterisk.ami.translate import answer_time
from switchboard.core.events import (
    AnswerReported,
    AsteriskShutdown,
    CallbackAnswerReported,
    CallerJoined,
    ChannelSeen,
)

JOIN = AmiMessage.of(
    ("Event", "QueueCallerJoin"),
    ("Privilege", "agent,all"),
    ("Channel", "PJSIP/inbound-00000000"),
    ("CallerIDNum", "070123456"),
    ("CallerIDName", "Mallory\\r\\nAction: Originate"),
    ("Uniqueid", "1.0"),
    ("Linkedid", "1.0"),
    ("Context", "switchboard-inbound"),
    ("Exten", "4638397000"),
    ("Queue", "vetlanda"),
    ("Position", "1"),
    ("Count", "1"),
)


def without(msg: AmiMessage, key: str) -> AmiMessage:
    return AmiMessage(tuple(f for f in msg.fields if f[0] != key))


def replaced(msg: AmiMessage, key: str, value: str) -> AmiMessage:
    return AmiMessage(tuple((k, value if k == key else v) for k, v in msg.fields))


def test_c_escaped_caller_name_is_not_unescaped() -> None:
    event = Translator().translate(JOIN)
    assert isinstance(event, CallerJoined)
    assert event.caller_name == "Mallory\\r\\nAction: Originate"
    assert "\r" not in event.caller_name
    assert "\n" not in event.caller_name


def test_missing_required_field_is_a_counted_error_not_a_default() -> None:
    translator = Translator()
    assert translator.translate(without(JOIN, "Linkedid")) is None
    assert translator.translate(without(JOIN, "Queue")) is None
    assert translator.errors == {"QueueCallerJoin": 2}
    assert translator.error_count == 2
    assert translator.translated == 0


def test_unparsable_numbers_and_flags_are_errors() -> None:
    translator = Translator()
    assert translator.translate(replaced(JOIN, "Position", "first")) is None
    shutdown = AmiMessage.of(("Event", "Shutdown"), ("Shutdown", "Cleanly"), ("Restart", "Maybe"))
    assert translator.translate(shutdown) is None
    assert translator.errors == {"QueueCallerJoin": 1, "Shutdown": 1}
    ok = AmiMessage.of(("Event", "Shutdown"), ("Shutdown", "Cleanly"), ("Restart", "False"))
    assert translator.translate(ok) == AsteriskShutdown(restart=False)


def test_unneeded_events_and_responses_are_ignored() -> None:
    translator = Translator()
    assert translator.translate(AmiMessage.of(("Event", "VarSet"), ("Value", "x"))) is None
    assert translator.translate(AmiMessage.of(("Response", "Success"))) is None
    assert translator.ignored == 2
    assert translator.error_count == 0


def test_empty_values_are_values_not_missing() -> None:
    item = AmiMessage.of(
        ("Event", "CoreShowChannel"),
        ("ActionID", "a-1"),
        ("Channel", "PJSIP/1001-00000002"),
        ("CallerIDNum", "s"),
        ("CallerIDName", ""),
        ("Context", "sb-agents"),
        ("Exten", ""),
        ("Uniqueid", "2.2"),
        ("Linkedid", "1.0"),
        ("Application", "AppDial"),
        ("Duration", "26:00:02"),
        ("BridgeId", ""),
    )
    assert Translator().translate(item) == ChannelSeen(
        channel="PJSIP/1001-00000002",
        uniqueid="2.2",
        linkedid="1.0",
        context="sb-agents",
        exten="",
        application="AppDial",
        bridge="",
        duration_s=26 * 3600 + 2,
        caller_num="s",
        caller_name="",
    )


def test_channel_age_must_be_hh_mm_ss() -> None:
    translator = Translator()
    item = AmiMessage.of(
        ("Event", "CoreShowChannel"),
        ("Channel", "PJSIP/1001-00000002"),
        ("CallerIDNum", "s"),
        ("CallerIDName", ""),
        ("Context", "sb-agents"),
        ("Exten", ""),
        ("Uniqueid", "2.2"),
        ("Linkedid", "1.0"),
        ("Application", "AppDial"),
        ("Duration", "2 s"),
        ("BridgeId", ""),
    )
    assert translator.translate(item) is None
    assert translator.errors == {"CoreShowChannel": 1}


def test_contact_item_needs_an_aor_in_object_name() -> None:
    translator = Translator()
    item = AmiMessage.of(
        ("Event", "ContactList"),
        ("ObjectName", "nohash"),
        ("Uri", "sip:x"),
        ("Status", "Reachable"),
    )
    assert translator.translate(item) is None
    assert translator.errors == {"ContactList": 1}


# The UserEvent of [switchboard-answered]: the operator's channel block, then `UserEvent` and
# the application's body [S: main/stasis.c multi_user_event_to_ami]; tests/e2e checks it live.
ANSWERED = AmiMessage.of(
    ("Event", "UserEvent"),
    ("Privilege", "user,all"),
    ("Channel", "PJSIP/1002-00000003"),
    ("ChannelState", "6"),
    ("ChannelStateDesc", "Up"),
    ("CallerIDNum", "1002"),
    ("CallerIDName", "<unknown>"),
    ("ConnectedLineNum", "0701000020"),
    ("ConnectedLineName", "VETLANDA Åsa"),
    ("Language", "en"),
    ("AccountCode", ""),
    ("Context", "switchboard-answered"),
    ("Exten", "s"),
    ("Priority", "1"),
    ("Uniqueid", "1795345541.12"),
    ("Linkedid", "1795345541.9"),
    ("UserEvent", "SwitchboardAnswered"),
    ("CallId", "1795345541.9"),
    ("Agent", "PJSIP/1002"),
)


def test_the_answer_report_names_the_call_and_the_operator() -> None:
    translator = Translator()
    assert translator.translate(ANSWERED) == AnswerReported("1795345541.9", "PJSIP/1002")
    assert translator.translated == 1


def test_other_user_events_are_ignored_and_a_report_without_its_call_is_an_error() -> None:
    translator = Translator()
    assert translator.translate(replaced(ANSWERED, "UserEvent", "SomethingElse")) is None
    assert translator.ignored == 1
    assert translator.translate(without(ANSWERED, "CallId")) is None
    assert translator.translate(without(ANSWERED, "Agent")) is None
    assert translator.errors == {"UserEvent": 2}


def test_the_callback_answer_report_names_the_call() -> None:
    """[switchboard-callout-answered] on the caller's channel: only the call id."""
    report = without(replaced(ANSWERED, "UserEvent", "SwitchboardCallbackAnswered"), "Agent")
    translator = Translator()
    assert translator.translate(report) == CallbackAnswerReported("1795345541.9")
    assert translator.translate(without(report, "CallId")) is None
    assert translator.errors == {"UserEvent": 1}


def test_an_operators_answer_time_is_read_from_its_whole_second() -> None:
    """SB_ANSWERED_AT is ${EPOCH}: the answer is taken as the middle of that second; a missing,
    empty or garbled value is no time at all."""
    assert answer_time("1796198007") == 1796198007.5
    for wrong in (None, "", "17961.5", "-3", "now", "²", "1796198007\r\nX: y"):
        assert answer_time(wrong) is None
