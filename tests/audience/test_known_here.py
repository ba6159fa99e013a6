"""A worker remembers the first views it learnt of today: a reload asks the store nothing."""
from datetime import date

from feedserver.audience.seen import KnownHere


class Store:
    """A store that says "first" once per (day, scope, visitor) and counts the questions."""

    def __init__(self):
        self.asked, self.seen = 0, set()

    def first(self, day, scope, visitor, address, cap):
        self.asked += 1
        key = (day, scope, visitor)
        new = key not in self.seen
        self.seen.add(key)
        return new


def test_a_reload_asks_the_store_once_and_the_answer_stays():
    store = Store()
    known = KnownHere(store)
    day = date(2026, 12, 1)
    assert known.first(day, "release:1", "v1", "a1", 20) is True
    assert [known.first(day, "release:1", "v1", "a1", 20) for _ in range(5)] == [False] * 5
    assert store.asked == 1
    assert known.first(day, "release:2", "v1", "a1", 20) is True  # another release is another view
    assert store.asked == 2


def test_what_another_worker_counted_is_learnt_from_the_store():
    store = Store()
    one, two = KnownHere(store), KnownHere(store)
    day = date(2026, 12, 1)
    assert one.first(day, "release:1", "v1", "a1", 20) is True
    assert two.first(day, "release:1", "v1", "a1", 20) is False  # the store decides
    assert two.first(day, "release:1", "v1", "a1", 20) is False
    assert store.asked == 2


def test_the_memory_is_emptied_when_the_day_turns_and_when_full():
    store = Store()
    known = KnownHere(store, size=3)
    today, tomorrow = date(2026, 12, 1), date(2026, 12, 2)
    known.first(today, "release:1", "v1", "a1", 20)
    assert known.first(tomorrow, "release:1", "v1", "a1", 20) is True  # a new day: a new view
    assert known.known == {("release:1", "v1")}  # nothing of yesterday is kept
    for n in range(5):
        known.first(tomorrow, "release:1", f"w{n}", "a1", 20)
    assert len(known.known) <= 3
