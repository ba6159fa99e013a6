"""A thread-safe LRU bounded by the bytes its values cost: every per-worker cache uses it."""
import threading
from collections import OrderedDict


class ByteLRU:
    """Values by key, least recently used dropped first once their costs pass max_bytes."""

    def __init__(self, max_bytes, max_entries=None):
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self.entries = OrderedDict()  # key -> value
        self.costs = {}
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def keep(self, key, value, cost):
        """Store value under key unless it alone costs more than the whole budget."""
        if cost > self.max_bytes:
            return
        with self.lock:
            self.entries.pop(key, None)
            self.size += cost - self.costs.get(key, 0)
            self.entries[key], self.costs[key] = value, cost
            while self.size > self.max_bytes or (self.max_entries and len(self.entries) > self.max_entries):
                dropped, _ = self.entries.popitem(last=False)
                self.size -= self.costs.pop(dropped)

    def clear(self):
        with self.lock:
            self.entries.clear()
            self.costs.clear()
            self.size = 0
