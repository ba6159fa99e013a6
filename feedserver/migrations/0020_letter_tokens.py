"""Index every release again: the search index now also holds each letter once ("qq" + letter).

A one-letter search was a scan of the whole board (2.5 s at 300,000 releases); with letter
tokens it is an index lookup like any other word. This rebuilds the index with the tokens of
feedserver/search/index.py as they are when it runs (a rebuild, not a schema change), in
batches of 2,000 releases: about a minute per 100,000 releases.
"""
from feedserver.search.index import rebuild


def up(migrator, db):
    rebuild(db)


def down(migrator, db):
    pass  # letter tokens are harmless to older code: it never asks for them
