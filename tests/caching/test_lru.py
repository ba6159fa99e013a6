"""ByteLRU: bounded by bytes and by entries, least recently used dropped first."""
from feedserver.caching.lru import ByteLRU


def test_byte_bound_drops_oldest_until_within_budget():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 4)
    lru.keep("b", "B", 4)
    lru.keep("c", "C", 4)  # 12 > 10: "a" must go
    assert lru.get("a") is None
    assert lru.get("b") == "B" and lru.get("c") == "C"
    assert lru.size == 8
    assert set(lru.costs) == {"b", "c"}


def test_budget_exactly_reached_is_kept():
    lru = ByteLRU(max_bytes=8)
    lru.keep("a", "A", 4)
    lru.keep("b", "B", 4)
    assert lru.get("a") == "A" and lru.get("b") == "B"
    assert lru.size == 8


def test_entry_bound():
    lru = ByteLRU(max_bytes=1000, max_entries=2)
    lru.keep("a", "A", 1)
    lru.keep("b", "B", 1)
    lru.keep("c", "C", 1)
    assert list(lru.entries) == ["b", "c"]
    assert lru.size == 2


def test_get_refreshes_recency_so_least_recently_used_goes_first():
    lru = ByteLRU(max_bytes=3)
    lru.keep("a", "A", 1)
    lru.keep("b", "B", 1)
    lru.keep("c", "C", 1)
    assert lru.get("a") == "A"  # now b is the least recently used
    lru.keep("d", "D", 1)
    assert lru.get("b") is None
    assert lru.get("a") == "A" and lru.get("c") == "C" and lru.get("d") == "D"


def test_rekeeping_refreshes_recency():
    lru = ByteLRU(max_bytes=1000, max_entries=2)
    lru.keep("a", "A", 1)
    lru.keep("b", "B", 1)
    lru.keep("a", "A2", 1)  # a becomes most recent
    lru.keep("c", "C", 1)
    assert lru.get("b") is None
    assert lru.get("a") == "A2"


def test_rekeeping_an_existing_key_replaces_its_size():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 6)
    lru.keep("a", "A2", 3)
    assert lru.size == 3 and lru.costs == {"a": 3}
    assert len(lru.entries) == 1
    lru.keep("b", "B", 7)  # 3 + 7 = 10 fits: nothing dropped
    assert lru.get("a") == "A2" and lru.get("b") == "B"
    lru.keep("a", "A3", 5)  # grows: 5 + 7 > 10, b (older now) goes
    assert lru.get("b") is None and lru.get("a") == "A3"
    assert lru.size == 5


def test_entry_larger_than_budget_is_not_kept_and_evicts_nothing():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 5)
    lru.keep("big", "X" * 11, 11)
    assert lru.get("big") is None
    assert lru.get("a") == "A"
    assert lru.size == 5


def test_oversized_rekeep_leaves_the_old_value():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 5)
    lru.keep("a", "huge", 11)
    assert lru.get("a") == "A" and lru.size == 5


def test_clear():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 5)
    lru.clear()
    assert lru.get("a") is None
    assert lru.size == 0 and not lru.costs and not lru.entries
