"""What a board list carries besides its rows: the 새 글 badge's first day and the list state
that release pages keep for 목록보기, 이전글 and 다음글."""
from datetime import timedelta

from werkzeug.exceptions import BadRequest

from feedserver.dates import to_kst
from feedserver.search.query import ListArgs, day_start, parse_list_args

LIST_KEYS = ("list", "page", "field", "q", "start", "end")


def new_since(now, days):
    """Return the first instant (aware UTC) of the calendar day, `days` days back counting today,
    from which releases are 새 글."""
    today = to_kst(now).date()
    return day_start(today - timedelta(days=max(1, days) - 1))


def list_state(args, max_length):
    """Return the query-string dict of the list a release page was reached from ({}: none).

    Bad values are dropped rather than refused: a link from a list never breaks.
    """
    if not any(args.get(key) for key in LIST_KEYS):
        return {}
    try:
        state = parse_list_args(args, max_length)
    except BadRequest:
        state = ListArgs()
    ref = args.get("list") or ""
    return {**({"list": ref} if ref else {}), **state.query_args()}
