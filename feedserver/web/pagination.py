"""Page navigation in blocks of ten, as Korean public boards show it."""
from dataclasses import dataclass
from math import ceil

BLOCK = 10


@dataclass(frozen=True)
class Pager:
    page: int
    per_page: int
    total: int  # a search's total is exact up to its cap, so 마지막 is always known

    @property
    def pages(self):
        return max(1, ceil(self.total / self.per_page))

    @property
    def offset(self):
        return (self.page - 1) * self.per_page

    @property
    def block(self):
        """Return the page numbers of the current block of ten (the last block for a page past
        the end, which a search the time budget cut short may show)."""
        start = (min(self.page, self.pages) - 1) // BLOCK * BLOCK + 1
        return list(range(start, min(start + BLOCK - 1, self.pages) + 1))

    @property
    def first(self):
        return 1 if self.page > 1 else None

    @property
    def previous_block(self):
        """Return the last page of the previous block (이전)."""
        start = self.block[0]
        return start - 1 if start > 1 else None

    @property
    def next_block(self):
        """Return the first page of the next block (다음)."""
        end = self.block[-1]
        return end + 1 if end < self.pages else None

    @property
    def last(self):
        return self.pages if self.page < self.pages else None

    @property
    def prev_page(self):
        return self.page - 1 if self.page > 1 else None

    @property
    def next_page(self):
        return self.page + 1 if self.page < self.pages else None

    def number(self, index):
        """Return the running display number (번호) of the index-th row on this page, counting down."""
        return self.total - self.offset - index

    def links(self, url_for_page):
        """Return the navigation as dicts: label, url (None when disabled), cls, rel, current."""
        def step(page, label, cls):
            return {"label": label, "url": url_for_page(page) if page else None,
                    "cls": cls, "rel": None, "current": False}
        items = [step(self.first, "처음", "first"), step(self.previous_block, "이전", "prev-block")]
        for n in self.block:
            rel = "prev" if n == self.prev_page else "next" if n == self.next_page else None
            items.append({"label": str(n), "url": url_for_page(n), "cls": "num",
                          "rel": rel, "current": n == self.page})
        items += [step(self.next_block, "다음", "next-block"), step(self.last, "마지막", "last")]
        return items
