"""Finding releases through the bigram index: the read side of search_index.py."""
from .db import database, is_mysql, is_postgres
from .search_index import WEIGHTS, WORD, grams


def query_words(q):
    """Return the letter runs of a query, or None when one is too short to index (1 character)."""
    words = [w for part in q.lower().split() for w in WORD.findall(part)]
    if not words or any(len(w) < 2 for w in words):
        return None
    return words


def match_ids(field, words, limit):
    """Return up to `limit` ids of releases holding every word in field, newest ids first."""
    p = database.param
    if is_postgres():
        weight = "" if field == "all" else ":" + WEIGHTS[field]
        phrase = " & ".join("(" + " <-> ".join(f"'{t}'{weight}" for t in grams(w).split()) + ")"
                            for w in words)
        sql = (f"SELECT release_id FROM release_search WHERE tsv @@ to_tsquery('simple', {p}) "
               f"ORDER BY release_id DESC LIMIT {p}")
    elif is_mysql():
        columns = "title_g, body_g, author_g" if field == "all" else f"{field}_g"
        phrase = " ".join(f'+"{grams(w)}"' for w in words)
        sql = (f"SELECT release_id FROM release_search WHERE MATCH({columns}) AGAINST ({p} IN BOOLEAN MODE) "
               f"ORDER BY release_id DESC LIMIT {p}")
    else:
        scope = "" if field == "all" else f"{field} : "
        phrase = " AND ".join(f'{scope}"{grams(w)}"' for w in words)
        sql = f"SELECT rowid FROM release_fts WHERE release_fts MATCH {p} ORDER BY rowid DESC LIMIT {p}"
    return [row[0] for row in database.execute_sql(sql, [phrase, limit]).fetchall()]
