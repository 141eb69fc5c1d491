"""Engine settings: where the engine listens and connects, the store, delivery timing."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from switchboard.config.api import ApiSettings


def known_timezone(value: str) -> str:
    """Validator: an IANA time zone this system knows."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r}") from None
    return value


TimeZone = Annotated[str, AfterValidator(known_timezone)]


class Model(BaseModel):
    """Base for every config model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Endpoint(Model):
    """A host and port to listen on or connect to."""

    host: str = "127.0.0.1"
    port: int = Field(ge=0, le=65535)


class AgiSettings(Endpoint):
    """The FastAGI server."""

    port: int = Field(default=4573, ge=0, le=65535)
    allowed_peers: tuple[str, ...] = ("127.0.0.1", "::1")
    max_sessions: int = Field(default=500, ge=1)
    session_deadline_s: float = Field(default=2.0, gt=0, le=30)


class AmiSettings(Endpoint):
    """The AMI connection (secret preferably from SWITCHBOARD_AMI__SECRET)."""

    port: int = Field(default=5038, ge=0, le=65535)
    username: str = "switchboard"
    secret: SecretStr = SecretStr("")
    action_timeout_s: float = Field(default=5.0, gt=0)
    keepalive_s: float = Field(default=3.0, gt=0)


class MqttTls(Model):
    """TLS to the broker: CA bundle (default: the system's), optional client certificate."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
    insecure: bool = False  # skip the host name check (a lab broker with a self-signed cert)


class MqttSettings(Endpoint):
    """The MQTT broker state and call events are published to (password from the environment)."""

    enabled: bool = False
    port: int = Field(default=1883, ge=0, le=65535)
    topic_prefix: str = Field(default="switchboard", pattern=r"^[^#+/\s\x00]+(/[^#+/\s\x00]+)*$")
    username: str | None = None
    password: SecretStr | None = None
    client_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    keepalive_s: int = Field(default=30, ge=5, le=3600)
    qos: Literal[0, 1] = 1
    tls: MqttTls | None = None
    timeout_s: float = Field(default=5.0, gt=0, le=60)  # connect and publish acknowledgement
    reconnect_max_s: float = Field(default=30.0, gt=0, le=600)
    buffer_events: int = Field(default=1000, ge=1, le=1_000_000)  # oldest dropped past this
    state_interval_ms: int = Field(default=500, ge=0, le=60_000)  # per retained topic
    include_caller: bool = False  # caller number and name in call events (personal data)


class HttpSettings(Endpoint):
    """Health, metrics, REST API and wallboard."""

    port: int = Field(default=8080, ge=0, le=65535)


class StoreSettings(Model):
    """Where call records and agent sessions are kept."""

    path: str = "switchboard.db"
    url: str | None = None  # postgresql://user@host/db instead of the SQLite file


class DispatchSettings(Model):
    """Delivery behaviour."""

    offer_timeout_s: int = Field(default=15, ge=5, le=120)
    misses_before_pause: int = Field(default=2, ge=1, le=10)
    wrapup_s: int = Field(default=10, ge=0, le=600)
    sticky_agent_s: int = Field(default=0, ge=0, le=86_400)
    retry_after_s: int = Field(default=30, ge=0, le=3_600)
    handle_time_s: int = Field(default=180, ge=10, le=7_200)  # assumed until calls are measured


class Engine(Model):
    """Where the engine listens and what it connects to."""

    country_code: str = Field(default="46", pattern=r"^[1-9][0-9]{0,2}$")
    timezone: TimeZone | None = (
        None  # daily counters reset at its midnight (default: first tenant's)
    )
    agi: AgiSettings = AgiSettings()
    ami: AmiSettings = AmiSettings()
    mqtt: MqttSettings = MqttSettings()
    http: HttpSettings = HttpSettings()
    api: ApiSettings = ApiSettings()
    store: StoreSettings = StoreSettings()

    def secrets(self) -> tuple[str, ...]:
        """Every secret value in these settings (kept out of logs, metrics and HTTP answers)."""
        values = [self.ami.secret.get_secret_value()]
        if self.mqtt.password is not None:
            values.append(self.mqtt.password.get_secret_value())
        if self.store.url is not None:
            values.append(urlsplit(self.store.url).password or "")
        values.extend(self.api.secrets())
        return tuple(v for v in values if v)
