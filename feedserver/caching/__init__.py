"""Everything that remembers: the LRU, the state memo, the render cache, the page cache, the fast path.

The invariant: every write to releases, categories or attachments goes through publishing/,
which bumps feed_state in the write's own transaction (tests/caching/test_caching_invariant.py). Every
cache here is keyed by a state token read from the database, so nothing an instance remembers
outlives the write that changed it, on one process or many behind one database.

What each may hold (docs/security.md): public content only, per state, never per user.
- lru: the byte-bounded LRU the others are built on (cachetools underneath).
- validators: conditional GET, the one place that decides a 304 (it holds nothing).
- statememo: per-thread state tokens and filled pages on SQLite while no commit happened.
- render: feed bodies (and their gzip) per feed, format and state, the HTML page a browser
  navigating to a feed gets, under its own key, and the widget JSON per board, size, origin and
  state; no headers.
- pages: board and release page HTML per URL and state; view counts filled in per response.
- fastpath: whole feed responses per URL, host, scheme, gzip, Accept and navigation or not
  (render.is_navigation), only when public and setting no cookie (fastpath.shareable).

May import: plumbing (config, db, dates), models and the feed source (syndication). Never web/,
admin/, api/, cli/, publishing/ or websub/.
"""
