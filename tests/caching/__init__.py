"""Tests of feedserver.caching: LRU, state memo, page cache, fast path, and the rule they rest on."""
