"""MQTT adapter: retained state per tenant, queue and agent, and a stream of call events."""

from switchboard.mqtt.publisher import MqttPublisher
from switchboard.mqtt.stats import MqttHealth, PublisherStats
from switchboard.mqtt.topics import Topics

__all__ = ["MqttHealth", "MqttPublisher", "PublisherStats", "Topics"]
