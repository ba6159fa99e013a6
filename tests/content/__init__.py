"""Tests of feedserver.content: sanitising bodies, checking uploads."""
