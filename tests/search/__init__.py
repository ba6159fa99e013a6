"""Tests of feedserver.search: the time budget on every backend."""
