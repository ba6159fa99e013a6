"""A thread-safe LRU bounded by the bytes its values cost: every per-worker cache uses it.

cachetools.LRUCache does the bookkeeping (sizes through getsizeof, least recently used out
first); this wrapper adds the lock gunicorn's threads need and the rule that a value costing
more than the whole budget is simply not kept (cachetools raises instead).
"""
import threading

from cachetools import LRUCache


def _cost(pair):
    return pair[1]


class ByteLRU:
    """Values by key; the least recently used go first once their costs pass max_bytes."""

    def __init__(self, max_bytes):
        self._cache = LRUCache(maxsize=max_bytes, getsizeof=_cost)  # key -> (value, cost)
        self.lock = threading.Lock()

    @property
    def size(self):
        """The bytes the kept values cost."""
        return self._cache.currsize

    def __len__(self):
        return len(self._cache)

    def __contains__(self, key):
        return key in self._cache  # does not count as a use

    def get(self, key):
        """Return the value kept under key (now the most recently used), or None."""
        with self.lock:
            pair = self._cache.get(key)
        return None if pair is None else pair[0]

    def keep(self, key, value, cost):
        """Store value under key unless it alone costs more than the whole budget."""
        with self.lock:
            try:
                self._cache[key] = (value, cost)
            except ValueError:  # larger than max_bytes: keep what was there
                pass

    def clear(self):
        with self.lock:
            self._cache.clear()
