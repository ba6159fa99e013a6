"""Build the deterministic demo board, and large synthetic archives for benchmarks."""
import random
from datetime import datetime, timedelta, timezone
from html import escape

from feedserver.content import extract, storage
from feedserver.dates import KST
from feedserver.db import database, is_mysql
from feedserver.models import PUBLIC_ID_ALPHABET, Attachment, Category, Release, bump_feed_state, summarize
from feedserver.publishing import demo_files
from feedserver.publishing import demo_text as text
from feedserver.search.index import attachment_texts, index_rows, with_files

GOVERNOR_SLUG = "governor"
GOVERNOR_COUNT = 937
FIRST_DAY = datetime(2022, 7, 4, tzinfo=KST)     # oldest synthetic release
LAST_DAY = datetime(2025, 3, 28, tzinfo=KST)     # newest synthetic release
BATCH = 1000


def kst(value):
    """Parse "YYYY-MM-DD HH:MM" in Asia/Seoul into aware UTC."""
    return datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=KST).astimezone(timezone.utc)


def seed_demo(count=GOVERNOR_COUNT, attachment_dir=None, progress=None):
    """Create the demo categories and releases; refuse a database that has releases."""
    if Release.select().exists():
        raise RuntimeError("the database already holds releases")
    rng = random.Random(20240507)
    with database.atomic():
        governor = Category.create(slug=GOVERNOR_SLUG, name="도지사 보도자료", sort_order=1,
                                   description="경기도지사의 활동과 정책을 알리는 보도자료입니다.")
        extras = [Category.create(slug=s, name=n, description=d, sort_order=o)
                  for s, n, d, o, _, _ in text.EXTRA_CATEGORIES]
    _insert(rng, _governor_rows(rng, governor, count), progress)
    for category, spec in zip(extras, text.EXTRA_CATEGORIES):
        _insert(rng, _extra_rows(rng, category, spec[4], spec[5]), None)
    _attach_demo_files(rng, attachment_dir)
    _index_all()
    with database.atomic():
        bump_feed_state([governor.id] + [c.id for c in extras])
    _analyze()


def _analyze():
    """Refresh planner statistics after a bulk load, so searches use the index they should."""
    database.execute_sql("ANALYZE TABLE `release`, release_search" if is_mysql() else "ANALYZE")


def _index_all():
    """Fill the search index in batches (the rows went in with executemany, unindexed)."""
    last = 0
    # Few releases carry files: their text is read once, not per batch.
    files = attachment_texts(r for (r,) in Attachment.select(Attachment.release_id).distinct().tuples())
    while True:
        rows = list(Release.select(Release.id, Release.title, Release.body_text, Release.author)
                    .where(Release.id > last).order_by(Release.id).limit(5000).tuples())
        if not rows:
            return
        rows = [(i, title, with_files(body, files.get(i)), author) for i, title, body, author in rows]
        with database.atomic():
            index_rows(database, rows)
        last = rows[-1][0]


def _governor_rows(rng, category, count):
    """Yield row dicts for the governor's board, oldest first, keeping the seed's items."""
    seeded = {number: (title, kst(date), views) for number, title, date, views in text.SEED_LIST}
    top = count - (GOVERNOR_COUNT - max(seeded))    # the 번호 that 811 has in a 937-row board
    older = _spread(rng, FIRST_DAY - timedelta(minutes=20 * max(0, count - GOVERNOR_COUNT)), kst("2024-08-29 09:00"),
                    top - len(seeded))
    newer = _spread(rng, kst("2024-09-27 09:00"), LAST_DAY, count - top)
    seed_at = kst(text.SEED_RELEASE_DATE)
    closest = min(range(len(older)), key=lambda i: abs(older[i] - seed_at))
    older[closest] = seed_at
    older.sort()
    for at in older:
        if at == seed_at:
            yield _row(rng, category, text.SEED_RELEASE_TITLE, at, text.SEED_RELEASE_VIEWS,
                       *_seed_body(), text.GOVERNOR_AUTHOR)
        else:
            yield _synthetic(rng, category, at, text.GOVERNOR_AUTHOR)
    for number in sorted(seeded):
        title, at, views = seeded[number]
        yield _row(rng, category, title, at, views, *_synthetic_body(rng, title), text.GOVERNOR_AUTHOR)
    for at in newer:
        yield _synthetic(rng, category, at, text.GOVERNOR_AUTHOR)


def _extra_rows(rng, category, count, authors):
    for at in _spread(rng, kst("2024-01-02 09:00"), LAST_DAY, count):
        yield _synthetic(rng, category, at, rng.choice(authors))


def _spread(rng, start, end, count):
    """Return `count` sorted office-hours instants spread evenly between start and end."""
    if count <= 0:
        return []
    step = (end - start) / count
    out = []
    for i in range(count):
        day = (start + step * i).astimezone(KST)
        at = day.replace(hour=rng.randint(7, 18), minute=rng.randint(0, 59), second=0, microsecond=0)
        out.append(at.astimezone(timezone.utc))
    return sorted(out)


def _synthetic(rng, category, at, author):
    words = {"subject": rng.choice(text.SUBJECTS), "topic": rng.choice(text.TOPICS),
             "action": rng.choice(text.ACTIONS)}
    title = "{subject}, {topic} {action}".format(**words)
    return _row(rng, category, title, at, rng.randint(800, 20000),
                *_synthetic_body(rng, title, words), author)


def _synthetic_body(rng, title, words=None):
    words = words or {"subject": "경기도", "topic": title[:20].rstrip(" ,.·…“”‘’'\""), "action": "추진"}
    paragraphs = [" ".join(text.fill(s, **words) for s in rng.sample(text.SENTENCES, 3))
                  for _ in range(rng.randint(2, 4))]
    html = "\n".join([f'<p class="sample-notice">{text.SAMPLE_NOTICE}</p>']
                     + [f"<p>{escape(p, quote=False)}</p>" for p in paragraphs])
    # The plain text is known here: parsing the HTML back would cost a million parses.
    return html, "\n".join(paragraphs)


def _seed_body():
    paragraphs = text.SEED_RELEASE_PARAGRAPHS
    return "\n".join(f"<p>{escape(p, quote=False)}</p>" for p in paragraphs), "\n".join(paragraphs)


def _row(rng, category, title, at, views, body_html, plain, author):
    return {
        "public_id": "".join(rng.choice(PUBLIC_ID_ALPHABET) for _ in range(12)),
        "category": category.id, "title": title, "author": author,
        "body_html": body_html, "body_text": plain, "summary": summarize(plain),
        "status": "published", "published_at": at, "created_at": at, "updated_at": at,
        "revision": 1, "view_count": views,
    }


def _insert(rng, rows, progress):
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            _flush(batch, progress)
            batch = []
    if batch:
        _flush(batch, progress)


def _flush(batch, progress):
    # executemany with converted tuples: building peewee SQL for a million rows
    # costs more than inserting them.
    fields = [Release._meta.fields[name if name != "category" else "category"] for name in batch[0]]
    quote = database.quote
    columns = ", ".join(quote[0] + f.column_name + quote[1] for f in fields)
    marks = ", ".join([database.param] * len(fields))
    sql = f"INSERT INTO {quote[0]}release{quote[1]} ({columns}) VALUES ({marks})"
    rows = [tuple(f.db_value(row[f.name]) for f in fields) for row in batch]
    with database.atomic():
        database.cursor().executemany(sql, rows)
    if progress:
        progress(len(batch))


def _attach_demo_files(rng, folder):
    """Attach real .hwp, .hwpx and .pdf files with Korean text to the newest demo releases."""
    releases = list(Release.select().join(Category)
                    .where(Category.slug.in_(["press", GOVERNOR_SLUG]))
                    .order_by(Release.published_at.desc()).limit(60))
    for number, release in enumerate(releases[::3]):
        day = release.published_at.astimezone(KST).strftime("%Y%m%d")
        lines = _attachment_lines(release)
        files = [(f"보도자료_{day}.hwp", "application/x-hwp", demo_files.hwp5(lines)),
                 (f"보도자료_{day}.hwpx", "application/hwp+zip", demo_files.hwpx(lines)),
                 (f"붙임_상세자료_{day}.pdf", "application/pdf", demo_files.pdf(lines))]
        for name, mime, data in files[number % 3:] if number % 2 else files[: 1 + number % 3]:
            state, plain = extract.extract(name, data)
            stored, size, digest = storage.store_bytes(data, folder)
            Attachment.create(release=release, filename=name, content_type=mime, size=size,
                              sha256=digest, stored_name=stored, created_at=release.published_at,
                              text=plain, text_state=state)


def _attachment_lines(release):
    """Return the paragraphs of a demo release's files: its title, a notice, the annex word."""
    return [release.title, text.SAMPLE_NOTICE, *text.ATTACHMENT_PARAGRAPHS]
