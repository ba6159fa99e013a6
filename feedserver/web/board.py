"""The public board: category lists, search, release pages and attachment downloads."""
from collections import namedtuple
from urllib.parse import urljoin

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from peewee import SQL, OperationalError, Tuple, fn

from feedserver.audience.views import count_view
from feedserver.caching.pages import fill_views, filled_page, page_cache, rendered_views, site_state
from feedserver.caching.statememo import current, remember
from feedserver.content import storage
from feedserver.models import (
    VISIBLE_STATUSES,
    AsGiven,
    Attachment,
    Category,
    CategoryRef,
    Compiled,
    CompiledIn,
    Release,
    Slot,
    deep_offset,
    newest_first_page,
    page_window,
    utcnow,
    visible_count,
)
from feedserver.observability import metrics
from feedserver.search.budget import Found
from feedserver.search.files import matching_files
from feedserver.search.newest import newest_counted
from feedserver.search.query import FIELDS, SEARCH_CAP, parse_list_args, plain_args
from feedserver.web import file_view
from feedserver.web.discovery import alternates
from feedserver.web.listing import LIST_KEYS, list_state, new_since
from feedserver.web.pagination import Pager
from feedserver.web.sharing import first_image
from feedserver.web.urls import url_pattern

bp = Blueprint("board", __name__)


@bp.get("/")
def home():
    return redirect(url_for("board.index"))


@bp.get("/board/")
def index():
    return _list_page(lambda: None)


@bp.get("/board/<slug>/")
def category(slug):
    return _list_page(lambda: _get_category(slug))


def _get_category(slug):
    category = _memo(("category", slug), lambda: Category.by_slug(slug))
    if category is None:
        abort(404, description="없는 게시판입니다.")
    return category


def _page(render, before_fill=None, variant=None):
    """Answer from the page cache while the site's state token holds, else render; fill view counts.

    variant: what else the rendered page depends on (the day that 새 글 badges count from).
    """
    now = utcnow()
    # Scheme and host, not request.host_url: that builds and IRI-decodes a whole URL each time.
    key = (request.scheme, request.host, request.script_root, request.path, _known_args(), variant)
    memo = g.state_memo = current()
    token, next_due = site_state(now, memo)
    g.state_next_due = next_due
    pages = page_cache()
    hit, rendered = pages.get(key, token), None
    if hit is None:
        hit = render()
        pages.put(key, token, *hit)
        rendered = rendered_views()  # the counts its rows were read with: no query to fill them
    html, meta = hit
    if before_fill is not None:
        known = before_fill(meta)
        if known:
            return fill_views(html, {**(rendered or {}), **known})
        memo = current()  # the write moved the stamp
    return filled_page(key, html, now, next_due, memo, rendered)


# What board and release pages read from the query string; any other parameter (?_=, utm_*,
# fbclid, ...) changes nothing on the page, so it must not make a page cache entry of its own:
# a loop of unique junk parameters would otherwise render every request from the database.
PAGE_ARGS = frozenset(LIST_KEYS)


def _known_args():
    """Return the query's parameters that pages read, in a canonical order."""
    return tuple(sorted((k, v) for k, v in request.args.items(multi=True) if k in PAGE_ARGS))


def _list_page(find_category):
    """Answer a list page; the category is looked up only when the page must be rendered."""
    given = plain_args(request.args)
    args = parse_list_args(given, current_app.config["MAX_QUERY_LENGTH"], forgiving=True)
    raw_page = given.get("page")
    if raw_page is not None and raw_page != str(args.page):
        # ?page=abc, 0, 1e3: the reader meant the first page; one URL for caches to keep.
        return _corrected(args)
    # A page rendered on one day shows 새 글 from that day on: the badge's first day is part
    # of the cache key, so a kept page is rendered anew when the day (Asia/Seoul) turns.
    since = new_since(utcnow(), current_app.config["NEW_BADGE_DAYS"])
    return _page(lambda: (_render_list(find_category(), args, since), None), variant=since)


def _corrected(args, page=1):
    """Redirect to the list URL with page corrected (a temporary redirect: the last page moves)."""
    url = url_for(request.endpoint, **request.view_args, **args.query_args(page=page))
    response = redirect(url, 302)
    response.cache_control.public = True
    response.cache_control.max_age = 60
    return response


def _render_list(category, args, since):
    per_page, ids = current_app.config["PAGE_SIZE"], None
    over_cap = False
    if args.filtered:
        # The matches up to this page, counted up to SEARCH_CAP + 1: exact to the cap, "이상" past it.
        found = _matching_ids(category, args, min(args.page * per_page, SEARCH_CAP))
        total = len(found) if found.total is None else found.total
        over_cap, ids = total > SEARCH_CAP, Found(found[:SEARCH_CAP])
        ids.partial = found.partial
        pager = Pager(args.page, per_page, min(total, SEARCH_CAP))
    else:
        category_id = category.id if category else None
        pager = Pager(args.page, per_page, _memo(("count", category_id), lambda: visible_count(category_id),
                                                 until_due=True))
    partial = ids is not None and ids.partial
    # A search the time budget cut short says so on any page, rather than moving the reader.
    if args.page > pager.pages and not partial:
        abort(_corrected(args, pager.pages))
    rows = _list_rows(pager, ids, args, category.id if category else None)
    list_ref = category.slug if category else "all"
    with_files = _with_files(rows)

    def page_url(page, **extra):
        return url_for(request.endpoint, **request.view_args, **args.query_args(page=page), **extra)

    # Page 1 has no ?page= (one URL per page); the others differ in the number alone.
    other_page = url_pattern(request.endpoint, "page", **request.view_args,
                             **args.query_args(page=None))
    first_page = page_url(1)

    def nav_url(page):
        return first_page if page == 1 else other_page(page)

    return render_template(
        "board/list.html", category=category, categories=_memo("categories", Category.listed),
        rows=rows, with_files=with_files, new_since=since, pager=pager, args=args,
        fields=FIELDS, page_url=page_url, list_ref=list_ref, nav=pager.links(nav_url),
        release_url=url_pattern("board.release", "public_id", list=list_ref, **args.query_args()),
        alternates=alternates(category, args.field, args.q), search_cap=SEARCH_CAP,
        over_cap=over_cap, search_partial=partial,
        file_hits=matching_files([r.id for r in rows if r.id in with_files], args.field, args.q),
    )


def _matching_ids(category, args, wanted):
    """Return the ids of at least the `wanted` newest releases the search and period admit, with
    how many they are up to SEARCH_CAP + 1 (.total, or as many as the ids)."""
    since, until = args.period()
    if args.q:
        return newest_counted(category.id if category else None, args.field, args.q, wanted,
                              SEARCH_CAP + 1, period=(since, until))
    query = Release.visible_in(category.id if category else None, (since, until))
    # A period alone walks the time index from its newest end, no further than the cap.
    return Found(row[0] for row in query.select(Release.id).limit(SEARCH_CAP + 1).tuples())


class ListRow:
    """One row of a list as plain values: a model object per row cost more than its query."""

    __slots__ = ("id", "public_id", "title", "author", "published_at", "view_count", "category", "has_files",
                 "body_text")

    def __init__(self, values):
        (self.id, self.public_id, self.title, self.author, self.published_at, self.view_count,
         category_id, slug, name, *rest) = values
        self.category = CategoryRef(category_id, slug, name)
        # Next, where a shape reads them: whether the release has files (None: not read), its body.
        self.has_files = rest[0] if rest else None
        self.body_text = rest[1] if len(rest) > 1 else ""


def _list_columns(files=False):
    """The columns of a list row; files: whether the release has attachments too (read per row:
    for ten rows, one statement fewer than asking for them apart)."""
    columns = [Release.id, Release.public_id, Release.title, Release.author, Release.published_at,
               Release.view_count, Category.id, Category.slug, Category.name]
    if files:
        columns.append(AsGiven(fn.EXISTS(Attachment.select(SQL("1")).where(Attachment.release == Release.id))))
    return columns


def _list_rows(pager, ids, args, category_id):
    """Return this page's rows: by position on the board, by id among a search's matches."""
    if ids is not None:
        page_ids = ids[pager.offset:pager.offset + pager.per_page]
        if not page_ids:
            return []
        # The body is read for the excerpt around the first match.
        shape = _ROWS_BY_ID[bool(args.q and args.field in ("body", "all"))]
        return [ListRow(values) for values in shape.all(page_ids)]
    skip, count, newest = page_window(pager.offset, pager.per_page, pager.total)
    if deep_offset(skip):
        query = Release.visible_in(category_id).join(Category).switch(Release).select(*_list_columns())
        return newest_first_page(query, pager.offset, pager.per_page, pager.total)
    # Rows skipped by OFFSET would have their files asked for too (PostgreSQL computes a row's
    # columns before LIMIT drops it): only a page read from either end asks in the same statement.
    rows = [ListRow(values) for values in _BOARD_ROWS[category_id is not None, newest, skip == 0].all(
        now=utcnow(), category=category_id, skip=skip, count=count)]
    return rows if newest else rows[::-1]


def _rows_by_id(ids, with_body):
    """Build the query shape of a search page's rows, by id, newest first."""
    columns = _list_columns(files=True) + ([Release.body_text] if with_body else [])
    return (Release.select(*columns).join(Category).switch(Release).where(Release.id.in_(ids))
            .order_by(Release.published_at.desc(), Release.id.desc()).tuples())


_ROWS_BY_ID = {body: CompiledIn(lambda ids, body=body: _rows_by_id(ids, body)) for body in (False, True)}


def _board_rows(in_category, newest, files):
    """Build the query shape of a board page read by OFFSET from its newest or oldest end."""
    order = (Release.published_at.desc(), Release.id.desc()) if newest else \
        (Release.published_at.asc(), Release.id.asc())
    query = Release.select(*_list_columns(files)).join(Category).switch(Release).where(
        Release.status.in_(VISIBLE_STATUSES), Release.published_at <= Slot("now", Release.published_at.db_value))
    if in_category:
        query = query.where(Release.category == Slot("category"))
    return query.order_by(*order).offset(Slot("skip")).limit(Slot("count")).tuples()


_BOARD_ROWS = {(in_category, newest, files): Compiled(lambda c=in_category, n=newest, f=files: _board_rows(c, n, f))
               for in_category in (False, True) for newest in (False, True) for files in (False, True)}


def _with_files(rows):
    """Return the ids of those rows' releases that have attachments: as the rows were read with
    it, else asked for the rest (one query)."""
    found = {r.id for r in rows if getattr(r, "has_files", None)}
    unknown = [r.id for r in rows if getattr(r, "has_files", None) is None]
    if unknown:
        found.update(row[0] for row in _WITH_FILES.all(unknown))
    return found


_WITH_FILES = CompiledIn(lambda ids: Attachment.select(Attachment.release)
                         .where(Attachment.release.in_(ids)).distinct().tuples())


@bp.get("/releases/<public_id>")
def release(public_id):
    def render():
        item = _get_release(public_id)
        newer, older = _neighbours(item)
        state = list_state(request.args, current_app.config["MAX_QUERY_LENGTH"])
        html = render_template(
            "board/release.html", release=item, attachments=_FILES.all(release=item.id),
            newer=newer, older=older, list_state=state, back_url=_back_url(item, state),
            share_image=_absolute(first_image(item.body_html)),
            alternates=alternates(item.category) + alternates())  # its board's feeds, then the site's
        return html, item.id

    # The view is counted before the page reads the count.
    return _page(render, _count_view if request.method == "GET" else None)


def _absolute(src):
    """Return src as an absolute URL on this site (None stays None): og:image must be absolute."""
    return src and urljoin(url_for("board.index", _external=True), src)


def _count_view(release_id):
    """Add a view if it is the reader's first today; return {id: new count} if the database said it.
    A read-only or full database loses the count, never the page."""
    try:
        count = count_view(release_id)
        if count is False:
            return {}
        metrics.views_written.inc()
    except OperationalError as error:
        current_app.logger.warning("view of release %s not counted: %s", release_id, error)
        return {}
    return {} if count is None else {release_id: count}


def _memo(key, read, until_due=False):
    """Return read(), kept while the database reports no change (SQLite, PostgreSQL), as the state
    token is: boards and counts change with writes, so a page rendered from the database need not
    ask for them each time. until_due: also only until the next scheduled release comes due."""
    valid_until = g.get("state_next_due") if until_due else None
    return remember(key, utcnow(), lambda: (read(), valid_until), memo=g.get("state_memo"))


def _get_release(public_id):
    item = Release.by_public_id(public_id)
    if item is None or (not item.is_public() and not item.is_withdrawn):
        abort(404, description="없는 보도자료입니다.")
    if item.is_withdrawn:
        # Readers who followed a link learn what was withdrawn, when and why.
        # A withdrawal can be undone (다시 게시): without a Cache-Control, Chromium keeps a 410
        # fresh forever and the reader would never see the release again.
        page = make_response(render_template("board/withdrawn.html", release=item), 410)
        page.headers["Cache-Control"] = "no-cache"
        abort(page)
    return item


Neighbour = namedtuple("Neighbour", "id public_id title")


def _neighbours(item):
    """Return the newer and older visible releases of the same category (None where there is none)."""
    found = {side: Neighbour(*row) for *row, side in _NEIGHBOURS.all(
        category=item.category_id, at=item.published_at, id=item.id, now=utcnow())}
    return found.get(1), found.get(0)


def _neighbour(newer):
    """Build the query shape for the next release up (newer) or down the board, marked by side."""
    # A row comparison walks the (category, published_at, id) index; an OR of the
    # two cases scanned half a million rows at a million releases.
    position = Tuple(Release.published_at, Release.id)
    here = Tuple(Slot("at", Release.published_at.db_value), Slot("id"))
    query = Release.select(Release.id, Release.public_id, Release.title, SQL(str(int(newer)))).where(
        Release.category == Slot("category"), Release.status.in_(VISIBLE_STATUSES))
    if newer:
        query = query.where(position > here, Release.published_at <= Slot("now", Release.published_at.db_value))
        return query.order_by(Release.published_at.asc(), Release.id.asc()).limit(1)
    # Anything older than a visible release is already due: no "<= now" bound, which
    # would make SQLite walk the index from now back to here.
    return query.where(position < here).order_by(Release.published_at.desc(), Release.id.desc()).limit(1)




def _both_neighbours():
    # One round trip for both: each side keeps its own index walk as a subquery with LIMIT 1.
    sides = [Release.select(SQL("*")).from_(_neighbour(newer).alias(f"side{int(newer)}"))
             for newer in (True, False)]
    return (sides[0] + sides[1]).tuples()


_NEIGHBOURS = Compiled(_both_neighbours)
_FILES = Compiled(lambda: Attachment.listed().where(Attachment.release == Slot("release"))
                  .order_by(Attachment.id))


def _back_url(item, state):
    """Return the list page and search the reader came from (목록보기)."""
    params = dict(state)
    ref = params.pop("list", item.category.slug)
    if ref == "all":
        return url_for("board.index", **params)
    if ref != item.category.slug and not Category.select().where(Category.slug == ref).exists():
        ref = item.category.slug
    return url_for("board.category", slug=ref, **params)


@bp.get("/releases/<public_id>/files/<int(max=2147483647):attachment_id>")
def attachment(public_id, attachment_id):
    return storage.send_release_file(_get_release(public_id), attachment_id)


@bp.get("/releases/<public_id>/files/<int(max=2147483647):attachment_id>/view")
def attachment_view(public_id, attachment_id):
    """바로보기: a PDF or picture inline, a 한글 file's text as a page."""
    release = file_view.public_release(public_id)
    file = file_view.find(release, attachment_id)
    if file_view.is_inline(file):
        return file_view.send(file)
    return _page(lambda: (file_view.render(release, file), None))
