"""What the caller hears and presses in the simulated dialplan: the number map, the greeting,
Playback(), Read() and the menu of docs/call-flow.md, each interruptible like the real one
(a Redirect or a hangup ends it at once)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from switchboard.fakepbx.calls import CallHandle, Outcome
from switchboard.fakepbx.model import Channel
from switchboard.fakepbx.pbx import Pbx

_SOUND = re.compile(r"^[A-Za-z0-9][-A-Za-z0-9_]*$")
_LANGUAGE = re.compile(r"^[a-z][a-z]$")
Agi = Callable[[Pbx, Channel, str, list[str]], Awaitable[str]]


def number_facts(pbx: Pbx, ch: Channel) -> None:
    """Gosub(switchboard-numbers,${EXTEN},1): the variables the written map sets."""
    for name, value in pbx.config.numbers.get(ch.exten, {}).items():
        pbx.set_var(ch, name, value)


async def greet(pbx: Pbx, ch: Channel, call: CallHandle) -> bool:
    """Gosub(switchboard-greet): the language, then SB_GREETING once; False when interrupted."""
    language = ch.variables.get("SB_LANG", "")
    if _LANGUAGE.match(language):
        ch.language = language
    greeting = ch.variables.get("SB_GREETING", "")
    ch.variables["SB_GREETING"] = ""
    if _SOUND.match(greeting):
        return await playback(pbx, ch, call, greeting)
    return True


async def playback(pbx: Pbx, ch: Channel, call: CallHandle, files: str) -> bool:
    """Playback(a&b): every file plays `sound_s` simulated seconds; False when interrupted.

    Digits pressed meanwhile are lost: Playback waits with no break digits and drops DTMF
    [S: app_playback.c ast_waitstream(chan, "")]."""
    ch.application, ch.app_data = "Playback", files
    for name in files.split("&"):
        call.note(f"playback {name} {ch.language}")
        if await _interrupted(pbx, ch, pbx.config.sound_s):
            return False
    while not call.dtmf.empty():
        call.dtmf.get_nowait()
    return True


async def read_digit(
    pbx: Pbx, ch: Channel, call: CallHandle, prompt: str, timeout_s: float
) -> str | None:
    """Read(var,prompt,1,t(),1,timeout): a digit (pressed during the prompt too), "" after the
    timeout, None when interrupted."""
    ch.application, ch.app_data = "Read", f"SB_DIGIT,{prompt},1,t(),1,{timeout_s:g}"
    call.note(f"read {prompt}")
    if prompt and call.dtmf.empty() and await _interrupted(pbx, ch, pbx.config.sound_s):
        return None
    interrupt = ch.fresh_interrupt()
    digit = asyncio.ensure_future(call.dtmf.get())
    waits: set[asyncio.Future[Any]] = {digit, interrupt}
    done, _ = await asyncio.wait(
        waits,
        timeout=timeout_s * pbx.config.time_scale,
        return_when=asyncio.FIRST_COMPLETED,
    )
    if interrupt in done:
        digit.cancel()
        return None
    if digit in done:
        return digit.result()
    digit.cancel()
    return ""


async def menu(pbx: Pbx, ch: Channel, call: CallHandle, agi: Agi, route_script: str) -> str | None:
    """[switchboard-menu]: ask, retry, then route again with digit=; AGISTATUS or None."""
    v = ch.variables
    v["SB_MENU_DONE"] = "1"
    timeout = int(v.get("SB_MENU_TIMEOUT", "")) if v.get("SB_MENU_TIMEOUT", "").isdigit() else 5
    retries = int(v.get("SB_MENU_RETRIES", "")) if v.get("SB_MENU_RETRIES", "").isdigit() else 1
    prompt = v.get("SB_MENU", "") if _SOUND.match(v.get("SB_MENU", "")) else ""
    tries, chosen = 0, ""
    while True:
        digit = await read_digit(pbx, ch, call, prompt, timeout)
        if digit is None:
            return None
        call.note(f"menu digit '{digit}' try {tries}")
        if len(digit) == 1 and digit in v.get("SB_MENU_DIGITS", ""):
            chosen = digit
            break
        tries += 1
        if tries > retries:
            break
        if digit and not await playback(pbx, ch, call, "pm-invalid-option"):
            return None
    v["SB_ACTION"], v["SB_GREETING"] = "", ""
    did = quote(v.get("SB_DID", ch.exten))
    status = await agi(pbx, ch, f"{route_script}?did={did}&digit={quote(chosen)}", [ch.caller_num])
    call.note(f"route {status} digit '{chosen}'")
    return status


async def say_position(pbx: Pbx, ch: Channel, call: CallHandle) -> bool:
    """Gosub(switchboard-position): SB_POSITION and SB_EWT as the stock prompts say them (a
    number is one more sound); False when interrupted."""
    position, ewt = ch.variables.get("SB_POSITION", ""), ch.variables.get("SB_EWT", "")
    files: list[str] = []
    if re.fullmatch(r"[1-9][0-9]{0,3}", position):
        if position == "1":
            files.append("queue-youarenext")
        else:
            files += ["queue-thereare", f"number:{position}", "queue-callswaiting"]
    if re.fullmatch(r"[0-9]{1,3}", ewt):
        minutes = int(ewt)
        files.append("queue-holdtime")
        if minutes == 0:
            files += ["queue-less-than", "number:1", "queue-minute"]
        else:
            files += [f"number:{minutes}", "queue-minute" if minutes == 1 else "queue-minutes"]
    if not files:
        return True
    call.note(f"announce position={position or '-'} ewt={ewt or '-'}")
    return await playback(pbx, ch, call, "&".join([*files, "queue-thankyou"]))


async def callback_offer(pbx: Pbx, ch: Channel, call: CallHandle, agi: Agi) -> bool | None:
    """[switchboard-callback]: True when the call ended here (called back later, or a message
    left), False when the caller waits on, None when interrupted."""
    v = ch.variables
    offer = v.get("SB_CB_OFFER", "")
    prompt = offer if _SOUND.match(offer) else "vm-nobodyavail&vm-press&digits/1"
    digit = await read_digit(pbx, ch, call, prompt, 6)
    if digit is None:
        return None
    call.note(f"callback offer digit '{digit}'")
    if digit != "1":
        return False
    v["SB_RESULT"], v["SB_CB_CONFIRM"] = "", ""
    await agi(pbx, ch, "callback?action=request", [v.get("SB_CALLID", ""), ch.caller_num])
    if v.get("SB_RESULT") == "ok":
        confirm = v.get("SB_CB_CONFIRM", "")
        await playback(
            pbx, ch, call, f"{confirm if _SOUND.match(confirm) else 'auth-thankyou'}&goodbye"
        )
        call.settle(Outcome("callback", at=pbx.now(), detail="requested"))
        return True
    await agi(pbx, ch, "finished?outcome=callback", [v.get("SB_CALLID", "")])
    call.settle(Outcome("voicemail", at=pbx.now(), detail="callback message"))
    return True


async def _interrupted(pbx: Pbx, ch: Channel, sim_s: float) -> bool:
    """Wait `sim_s` simulated seconds; True when a hangup or Redirect came first."""
    interrupt = ch.fresh_interrupt()
    if interrupt.done():
        return True
    if sim_s <= 0:
        return False
    try:
        await asyncio.wait_for(asyncio.shield(interrupt), sim_s * pbx.config.time_scale)
    except TimeoutError:
        return False
    return True
