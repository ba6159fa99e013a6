"""ByteLRU: bounded by bytes, least recently used dropped first, oversize values never kept."""
import threading

from feedserver.caching.lru import ByteLRU


def test_byte_bound_drops_oldest_until_within_budget():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 4)
    lru.keep("b", "B", 4)
    lru.keep("c", "C", 4)  # 12 > 10: "a" must go
    assert lru.get("a") is None
    assert lru.get("b") == "B" and lru.get("c") == "C"
    assert lru.size == 8 and len(lru) == 2


def test_budget_exactly_reached_is_kept():
    lru = ByteLRU(max_bytes=8)
    lru.keep("a", "A", 4)
    lru.keep("b", "B", 4)
    assert lru.get("a") == "A" and lru.get("b") == "B"
    assert lru.size == 8


def test_a_read_makes_an_entry_the_most_recent():
    lru = ByteLRU(max_bytes=3)
    lru.keep("a", "A", 1)
    lru.keep("b", "B", 1)
    lru.keep("c", "C", 1)
    assert lru.get("a") == "A"  # b is now the oldest
    lru.keep("d", "D", 1)
    assert "b" not in lru and all(key in lru for key in "acd")


def test_rewriting_a_key_makes_it_recent_and_recounts_its_cost():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 6)
    lru.keep("a", "A2", 3)
    assert lru.size == 3 and len(lru) == 1
    lru.keep("b", "B", 7)  # 3 + 7 = 10 fits: nothing dropped
    assert lru.get("a") == "A2" and lru.get("b") == "B"
    lru.keep("a", "A3", 5)  # grows: 5 + 7 > 10, b (older now) goes
    assert lru.get("b") is None and lru.get("a") == "A3"
    assert lru.size == 5


def test_a_value_larger_than_the_budget_is_not_kept_and_evicts_nothing():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 5)
    lru.keep("big", "X" * 11, 11)
    assert lru.get("big") is None and lru.get("a") == "A"
    assert lru.size == 5


def test_an_oversize_rewrite_keeps_the_old_value():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 5)
    lru.keep("a", "huge", 11)
    assert lru.get("a") == "A" and lru.size == 5


def test_clear_forgets_everything():
    lru = ByteLRU(max_bytes=10)
    lru.keep("a", "A", 5)
    lru.clear()
    assert lru.get("a") is None
    assert lru.size == 0 and len(lru) == 0


def test_threads_never_push_it_past_its_budget():
    lru = ByteLRU(max_bytes=1000)

    def work(n):
        for i in range(2000):
            lru.keep((n, i % 97), i, 1 + i % 13)
            lru.get((n, (i * 7) % 97))
    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert 0 < lru.size <= 1000
