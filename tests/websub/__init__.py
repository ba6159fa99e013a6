"""Tests of feedserver.websub: the hub, the outbox worker, and hub abuse."""
