"""MQTT adapter: retained state per tenant, queue and agent, and a stream of call events."""

from switchboard.mqtt.broker import Topics
from switchboard.mqtt.publisher import MqttPublisher
from switchboard.mqtt.stats import MqttHealth, PublisherStats

__all__ = ["MqttHealth", "MqttPublisher", "PublisherStats", "Topics"]
