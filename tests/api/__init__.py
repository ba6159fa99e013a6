"""Tests of feedserver.api: the token API and its OpenAPI document."""
