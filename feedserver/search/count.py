"""How many releases a search matches, counted no further than the list shows.

A list page needs only its own newest matches, which the search finds in order. Its count up
to the cap needs no order. On PostgreSQL, GIN lists the releases holding every bigram of every
word from the index alone (no phrase and no weights, so nothing to recheck in the large
tsvectors), and a substring test keeps those holding each word whole: a word in one release of
twenty costs about a thousand such tests, where the walk read twenty thousand rows. On SQLite,
FTS5 lists the phrase's matches as they come and each is looked up by id (a thousand lookups
cost a millisecond), where the ordered stream also had to look for releases published out of
id order among the twenty thousand newest. On PostgreSQL the newest releases' own GIN is asked
first (search/recent.py): a common word's cap is reached there.
"""
from peewee import SQL, fn

from feedserver.db import database, is_postgres
from feedserver.models import Attachment, Release
from feedserver.search.files import FILE_FIELDS
from feedserver.search.index import word_tokens
from feedserver.search.match import fts_capped_count
from feedserver.search.query import FIELD_COLUMNS, contains, holds, index_exact
from feedserver.search.recent import bound

SEARCH_TABLE = "(SELECT release_id FROM release_search WHERE tsv @@ to_tsquery('simple', %s){})"


def capped_count(category_id, field, q, words, cap, now, period=(None, None)):
    """Return how many visible releases of a board (None: all) match q, counting at most `cap`."""
    if not is_postgres():  # SQLite (newest.newest_counted asks only for words the index matches exactly)
        return fts_capped_count(category_id, now, field, words, cap, period)
    return len(capped_matches(category_id, field, q, words, cap, now, period))


def capped_matches(category_id, field, q, words, cap, now, period=(None, None)):
    """PostgreSQL: return (id, published_at) of up to `cap` visible releases matching q, in no order.

    The newest releases are asked first: `cap` matches among them settle it, fewer do not.
    """
    after = bound()
    if after is not None:
        found = _capped(_matches(category_id, field, q, words, now, period, after), cap)
        if len(found) >= cap:
            return found
    return _capped(_matches(category_id, field, q, words, now, period), cap)


def _capped(query, cap):
    # Rows as the driver gives them: the times only order the matches, and peewee's row-by-row
    # conversion of a thousand of them cost more than the statement.
    return database.execute(query.select(Release.id, Release.published_at).order_by().limit(cap)).fetchall()


def _matches(category_id, field, q, words, now, period, after=None):
    """PostgreSQL: the visible releases matching q, found through GIN and checked by substring;
    after: only those with a greater id, through the partial GIN that holds them."""
    tokens = dict.fromkeys(token for word in words for token in word_tokens(word))
    # The bound is written into the SQL: the planner proves the partial index's predicate from it.
    newer = "" if after is None else f" AND release_id > {int(after)}"
    query = Release.visible_in(category_id, period, now).where(
        Release.id.in_(SQL(SEARCH_TABLE.format(newer), [" & ".join(f"'{token}'" for token in tokens)])))
    if not _tokens_are_exact(field, q, words):
        for word in q.split():
            query = query.where(_holds(field, word))
    return query


def _holds(field, word):
    """Return "the release holds word in field": for 내용 and 전체, its files' text counts too, as
    the index holds it (asked only where the release's own columns do not hold the word)."""
    condition = holds(FIELD_COLUMNS[field], word)
    if field in FILE_FIELDS:
        in_files = Attachment.select(SQL("1")).where(Attachment.release == Release.id, contains(Attachment.text, word))
        condition |= fn.EXISTS(in_files)
    return condition


def _tokens_are_exact(field, q, words):
    """Tell whether holding every token is holding every word: each word one token (a bigram or
    a letter), searched in every field, and no punctuation for LIKE to check."""
    return field == "all" and index_exact(q) and all(len(word_tokens(word)) == 1 for word in words)
