"""Tests of feedserver.syndication: the serialisers, checked by parsing their output."""
