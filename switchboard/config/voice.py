"""What a caller hears: sound names, the menu, wait announcements and callback settings.

Sound names are file names without extension in Asterisk's sounds directory, looked up in the
channel's language first (`sounds/<lang>/<name>`), then without a language, then in `en`
[S: main/file.c fileexists_core]. A tenant's own recordings are named `<tenant>-<what>`.
"""

from __future__ import annotations

from typing import Annotated, Self

from pydantic import Field, model_validator

from switchboard.config.settings import Model

SOUND_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,79}$"
LANGUAGE_PATTERN = r"^[a-z]{2}$"

# No '&', ',', '|' or '$': a sound name is spliced into Playback()/Read() arguments.
Sound = Annotated[str, Field(pattern=SOUND_PATTERN)]
Language = Annotated[str, Field(pattern=LANGUAGE_PATTERN)]


class CallbackSettings(Model):
    """A callback that keeps the caller's place: how it is offered, placed and retried."""

    attempts: int = Field(default=3, ge=1, le=10)  # calls to the caller before giving up
    retry_after_s: int = Field(default=300, ge=10, le=86_400)
    ring_s: int = Field(default=30, ge=5, le=120)  # how long the caller's phone rings
    keep_s: int = Field(default=14_400, ge=60, le=604_800)  # not called back by then: ended
    offer: Sound | None = None  # "press 1 to be called back" (default: stock prompts)
    confirm: Sound | None = None  # "we will call you back" (default: stock prompts)
    whisper: Sound | None = None  # to the operator before the caller is dialled


class MenuSettings(Model):
    """How the menu asks: prompt, seconds to wait for a digit, and how often it asks again."""

    prompt: Sound
    timeout_s: int = Field(default=5, ge=1, le=30)
    retries: int = Field(default=1, ge=0, le=5)


class Announcements(Model):
    """Position and estimated wait, said every `every_s` seconds of waiting (0: never)."""

    every_s: int = Field(default=0, ge=0, le=900)
    position: bool = True
    wait: bool = True

    @model_validator(mode="after")
    def _sensible(self) -> Self:
        if 0 < self.every_s < 5:
            raise ValueError("every_s is 0 (no announcements) or at least 5 seconds")
        return self


def tenant_sounds(tenant: dict[str, object]) -> list[tuple[tuple[str | int, ...], str]]:
    """(path, sound name) of every sound a tenant's plain YAML mapping names."""
    found: list[tuple[tuple[str | int, ...], str]] = []

    def add(loc: tuple[str | int, ...], value: object) -> None:
        if isinstance(value, str):
            found.append((loc, value))

    add(("greeting",), tenant.get("greeting"))
    menu = tenant.get("menu")
    if isinstance(menu, dict):
        add(("menu", "prompt"), menu.get("prompt"))
    closed = tenant.get("closed")
    if isinstance(closed, dict):
        add(("closed", "announce"), closed.get("announce"))
    callback = tenant.get("callback")
    if isinstance(callback, dict):
        for key in ("offer", "confirm", "whisper"):
            add(("callback", key), callback.get(key))
    services = tenant.get("services")
    for sid, service in (services if isinstance(services, dict) else {}).items():
        if not isinstance(service, dict):
            continue
        add(("services", str(sid), "greeting"), service.get("greeting"))
        closed = service.get("closed")
        if isinstance(closed, dict):
            add(("services", str(sid), "closed", "announce"), closed.get("announce"))
    return found
