"""Import and export: progress, interruption and rerun, idempotency, round trips, bad records."""
import csv
import json
from datetime import datetime, timedelta, timezone

import pytest

from feedserver.models import Attachment, AuditEntry, Release, utcnow
from feedserver.publishing.transfer import export_file, import_file

TOTAL = 10_000


class Interrupted(Exception):
    """Stands in for Ctrl-C or a killed process half-way through an import."""


def write_jsonl(path, records):
    with open(path, "w", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")


@pytest.fixture
def archive(samples):
    """Write 10,000 varied releases (and two categories, three files) as JSON Lines."""
    def archive(folder):
        (folder / "files").mkdir()
        (folder / "files" / "보도자료.pdf").write_bytes(samples.tiny_pdf())
        (folder / "files" / "사진.png").write_bytes(samples.tiny_png())
        start = datetime(2023, 1, 2, tzinfo=timezone.utc)
        records = [{"kind": "category", "slug": "press", "name": "보도자료", "sort_order": 1},
                   {"kind": "category", "slug": "notice", "name": "공지사항", "sort_order": 2}]
        for n in range(TOTAL):
            status = ["published"] * 7 + ["draft", "withdrawn", "scheduled"]
            record = {"external_id": f"office:{n:05d}", "category": "press" if n % 4 else "notice",
                      "title": f"경기도 보도자료 {n}호", "author": ["경기지기", "대변인실"][n % 2],
                      "body": f"{n}번째 보도자료입니다.\n<도민> 여러분께 알립니다 & 감사합니다.",
                      "status": status[n % 10],
                      "published_at": (start + timedelta(hours=n)).isoformat(),
                      "view_count": n % 997}
            if status[n % 10] == "scheduled":
                record["published_at"] = (utcnow() + timedelta(days=1 + n % 30)).isoformat()
            if n % 2500 == 1:
                record["attachments"] = [{"path": "files/보도자료.pdf"},
                                         {"path": "files/사진.png", "filename": "현장 사진.png"}]
            records.append(record)
        write_jsonl(folder / "releases.jsonl", records)
        return folder / "releases.jsonl"
    return archive


@pytest.fixture
def fresh_app(databases):
    def fresh_app(folder):
        folder.mkdir(exist_ok=True)
        return databases.build_app(folder, "sqlite:///" + str(folder / "db.sqlite3"))
    return fresh_app


def test_ten_thousand_interrupted_rerun_and_round_trip(tmp_path, databases, html, samples, staff, archive, fresh_app):
    source = archive(tmp_path)
    first = fresh_app(tmp_path / "first")
    seen = []

    def progress(n):
        seen.append(n)
        if len(seen) == 4321:
            raise Interrupted()

    with first.app_context():
        with pytest.raises(Interrupted):
            import_file(source, staff.CLI, progress=progress)
        partial = Release.select().count()
        assert 0 < partial < TOTAL and partial % 500 == 0   # whole batches, nothing half-written
        assert AuditEntry.select().where(AuditEntry.action == "release_import").count() == partial
        seen.clear()
        report = import_file(source, staff.CLI, progress=lambda n: seen.append(n))
        assert sum(seen) == TOTAL + 2 and report.ok
        assert (report.created, report.unchanged) == (TOTAL - partial, partial)
        assert Release.select().count() == TOTAL
        assert Attachment.select().count() == 8
        assert export_file(tmp_path / "first" / "export.jsonl") == TOTAL
    one = (tmp_path / "first" / "export.jsonl").read_bytes()
    databases.close_database()

    second = fresh_app(tmp_path / "second")
    with second.app_context():
        report = import_file(tmp_path / "first" / "export.jsonl", staff.CLI)
        assert (report.created, report.categories, report.ok) == (TOTAL, 2, True)
        export_file(tmp_path / "second" / "export.jsonl")
    two = (tmp_path / "second" / "export.jsonl").read_bytes()
    assert one == two
    lines = one.decode().splitlines()
    assert len(lines) == TOTAL + 2
    sample = json.loads(lines[3])
    assert sample["body"] == "<p>1번째 보도자료입니다.</p>\n<p>&lt;도민&gt; 여러분께 알립니다 &amp; 감사합니다.</p>"
    assert [a["filename"] for a in sample["attachments"]] == ["보도자료.pdf", "현장 사진.png"]
    assert (tmp_path / "second" / sample["attachments"][0]["path"]).read_bytes() == samples.tiny_pdf()
    statuses = {json.loads(line).get("status") for line in lines[2:]}
    assert statuses == {"published", "draft", "withdrawn", "scheduled"}
    client = second.test_client()
    public = json.loads(lines[2 + 1])  # n=1: published, with files
    tree = html.page(client.get(f"/releases/{public['public_id']}"))
    assert tree.xpath("//section[@class='attachments']//a[@download]/text()") == ["보도자료.pdf", "현장 사진.png"]
    withdrawn = json.loads(lines[2 + 8])
    assert client.get(f"/releases/{withdrawn['public_id']}").status_code == 410
    databases.close_database()


def test_cli_import_shows_progress_and_reports_problems(staff_app, tmp_path, samples):
    (tmp_path / "붙임.pdf").write_bytes(samples.tiny_pdf())
    (tmp_path / "virus.exe").write_bytes(b"MZ\x90")
    (tmp_path / "fake.pdf").write_bytes(b"<html><script>")
    records = [
        {"external_id": "a", "category": "press", "title": "첫째", "status": "published",
         "attachments": [{"path": "붙임.pdf"}]},
        {"external_id": "b", "category": "press", "title": ""},
        {"external_id": "c", "category": "nowhere", "title": "없는 분류"},
        {"external_id": "d", "category": "press", "title": "빠진 파일", "attachments": [{"path": "없음.pdf"}]},
        {"external_id": "e", "category": "press", "title": "실행 파일", "attachments": [{"path": "virus.exe"}]},
        {"external_id": "f", "category": "press", "title": "가짜 PDF", "attachments": [{"path": "fake.pdf"}]},
        {"external_id": "a", "category": "press", "title": "첫째를 바꿈", "status": "published"},
        {"external_id": "g", "category": "press", "title": "둘째", "status": "published"},
    ]
    write_jsonl(tmp_path / "in.jsonl", records)
    with open(tmp_path / "in.jsonl", "a", encoding="utf-8") as fh:
        fh.write("{not json\n")
    result = staff_app.test_cli_runner().invoke(args=["import", str(tmp_path / "in.jsonl")])
    assert result.exit_code == 1
    assert "보도자료 가져오기" in result.output
    assert "새로 만든 보도자료 2건, 이미 있던 보도자료 0건" in result.output
    for line, words in [(2, "제목을 입력해 주세요"), (3, "없는 분류입니다"), (4, "파일이 없습니다: 없음.pdf"),
                        (5, "올릴 수 없는 파일 형식"), (6, "맞지 않습니다"), (7, "내용이 다릅니다"),
                        (9, "JSON 형식 오류")]:
        assert f"{line}번째 줄: " in result.output and words in result.output, (line, words)
    assert "7건을 가져오지 못했습니다." in result.output
    with staff_app.app_context():
        assert sorted(r.title for r in Release.select()) == ["둘째", "첫째"]
        assert Attachment.select().count() == 1
        assert AuditEntry.select().where(AuditEntry.action == "import").count() == 1
    rerun = staff_app.test_cli_runner().invoke(args=["import", str(tmp_path / "in.jsonl")])
    assert "새로 만든 보도자료 0건, 이미 있던 보도자료 2건" in rerun.output


def test_csv_import_with_attachments_by_path(staff_app, tmp_path, html, samples):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "붙임 1. 계획.pdf").write_bytes(samples.tiny_pdf())
    with open(tmp_path / "in.csv", "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["external_id", "category", "title", "author", "body", "status",
                         "published_at", "attachments"])
        writer.writerow(["csv-1", "press", "CSV로 온 보도자료", "", "첫 줄\n둘째 줄", "published",
                         "2024-05-07T08:46:00+09:00", "docs/붙임 1. 계획.pdf"])
        writer.writerow(["csv-2", "notice", "초안", "대변인실", "", "draft", "", ""])
    result = staff_app.test_cli_runner().invoke(args=["import", str(tmp_path / "in.csv")])
    assert result.exit_code == 0, result.output
    with staff_app.app_context():
        release = Release.get(Release.external_id == "csv-1")
        assert (release.author, release.body_html) == ("경기지기", "<p>첫 줄</p>\n<p>둘째 줄</p>")
        assert release.published_at == datetime(2024, 5, 6, 23, 46, tzinfo=timezone.utc)
        assert [a.filename for a in release.attachments] == ["붙임 1. 계획.pdf"]
        assert Release.get(Release.external_id == "csv-2").status == "draft"
    rows = html.board_rows(html.page(staff_app.test_client().get("/board/press/")))
    assert rows[0][1:4] == ("CSV로 온 보도자료", "경기지기", "2024.05.07")


def test_cli_export_writes_what_import_reads(staff_app, tmp_path):
    runner = staff_app.test_cli_runner()
    write_jsonl(tmp_path / "in.jsonl", [{"category": "press", "title": "내보낼 글", "status": "published"}])
    assert runner.invoke(args=["import", str(tmp_path / "in.jsonl")]).exit_code == 0
    result = runner.invoke(args=["export", str(tmp_path / "out.jsonl")])
    assert result.exit_code == 0 and "보도자료 1건을" in result.output
    lines = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line.get("kind") for line in lines] == ["category", "category", "release"]
    again = runner.invoke(args=["import", str(tmp_path / "out.jsonl")])
    assert "이미 있던 보도자료 1건" in again.output  # the public_id makes it the same release
    with staff_app.app_context():
        assert Release.select().count() == 1
        assert AuditEntry.select().where(AuditEntry.action == "export").count() == 1


def test_create_admin_and_token_commands(staff_app, staff):
    runner = staff_app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "chief", "--password-stdin"], input="a long password\n")
    assert result.exit_code == 0 and "관리자 chief" in result.output
    prompted = runner.invoke(args=["create-user", "writer"], input="another password\nanother password\n")
    assert prompted.exit_code == 0 and "편집자 writer" in prompted.output
    short = runner.invoke(args=["create-admin", "tiny", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "10자 이상" in short.output
    again = runner.invoke(args=["create-admin", "chief", "--password-stdin"], input="a long password\n")
    assert again.exit_code == 1 and "이미 있는 사용자" in again.output
    token = runner.invoke(args=["create-token", "chief"]).output.strip()
    response = staff_app.test_client().get("/api/v1/categories",
                                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert runner.invoke(args=["create-token", "nobody"]).exit_code == 1
    assert staff.login(staff_app.test_client(), username="chief", password="a long password").status_code == 302


def test_batches_interruption_and_round_trip_on_every_backend(staff_db_app, tmp_path, samples, staff):
    (tmp_path / "붙임.pdf").write_bytes(samples.tiny_pdf())
    start = datetime(2024, 3, 1, tzinfo=timezone.utc)
    records = [{"external_id": f"x{n}", "category": ["press", "notice"][n % 2], "title": f"글 {n}",
                "body": f"<p>{n}</p><script>x</script>", "status": ["published", "withdrawn", "draft"][n % 3],
                "published_at": (start + timedelta(minutes=n)).isoformat(), "view_count": n}
               for n in range(60)]
    records[7]["attachments"] = [{"path": "붙임.pdf", "filename": "보도 붙임.pdf"}]
    write_jsonl(tmp_path / "in.jsonl", records)
    calls = []

    def stop_at_40(n):
        calls.append(n)
        if len(calls) == 40:
            raise Interrupted()

    with staff_db_app.app_context():
        with pytest.raises(Interrupted):
            import_file(tmp_path / "in.jsonl", staff.CLI, progress=stop_at_40, batch_size=25)
        assert Release.select().count() == 25
        report = import_file(tmp_path / "in.jsonl", staff.CLI, batch_size=25)
        assert (report.created, report.unchanged, report.ok) == (35, 25, True)
        assert Release.select().count() == 60 and Attachment.select().count() == 1
        assert Release.get(Release.external_id == "x7").body_html == "<p>7</p>"
        export_file(tmp_path / "out.jsonl")
        for release in Release.select():  # wipe and import the export back
            from feedserver.publishing import releases as publishing
            publishing.delete_release(release, staff.CLI)
        assert import_file(tmp_path / "out.jsonl", staff.CLI, batch_size=25).created == 60
        export_file(tmp_path / "again.jsonl")
    assert (tmp_path / "out.jsonl").read_bytes() == (tmp_path / "again.jsonl").read_bytes()


# --- hostile import files ----------------------------------------------------------------------

def test_attachment_paths_outside_the_import_folder_are_refused_whole(staff_db_app, tmp_path, samples):
    secret = samples.hangul_files(["비밀 문서"])["pdf"]
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.pdf").write_bytes(secret)
    folder = tmp_path / "import"
    (folder / "files").mkdir(parents=True)
    (folder / "files" / "ok.pdf").write_bytes(samples.tiny_pdf())
    (folder / "link.pdf").symlink_to(tmp_path / "outside" / "secret.pdf")
    (folder / "linkdir").symlink_to(tmp_path / "outside", target_is_directory=True)
    (folder / "inner.pdf").symlink_to(folder / "files" / "ok.pdf")
    paths = {"dotdot": ["../outside/secret.pdf"], "absolute": [str(tmp_path / "outside" / "secret.pdf")],
             "symlink": ["link.pdf"], "symlinked-dir": ["linkdir/secret.pdf"],
             "second-bad": ["files/ok.pdf", "files/../../outside/secret.pdf"], "nul": ["a\x00b.pdf"],
             "inside-link": ["inner.pdf"], "inside-dotdot": ["files/../files/ok.pdf"]}
    write_jsonl(folder / "in.jsonl", [{"external_id": key, "category": "press", "title": key,
                                       "attachments": [{"path": p} for p in value]}
                                      for key, value in paths.items()])
    result = staff_db_app.test_cli_runner().invoke(args=["import", str(folder / "in.jsonl")])
    assert isinstance(result.exception, SystemExit) and "새로 만든 보도자료 2건" in result.output
    for line in range(1, 6):
        assert f"{line}번째 줄: " in result.output and "폴더" in result.output.split(f"{line}번째 줄: ")[1].split("\n")[0]
    assert "6번째 줄: " in result.output and "파일이 없습니다" in result.output
    with staff_db_app.app_context():
        assert sorted(r.external_id for r in Release.select()) == ["inside-dotdot", "inside-link"]
        assert Attachment.select().count() == 2
    stored = [p.read_bytes() for p in (tmp_path / "attachments").rglob("*") if p.is_file()]
    assert stored and secret not in stored


def test_hostile_record_values_are_reported_not_raised(staff_db_app, tmp_path, samples):
    lines = [
        "[" * 100_000 + "]" * 100_000,
        '{"external_id": "deep", "category": "press", "title": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"external_id": "sur", "category": "press", "title": "a\\ud800b"}',
        json.dumps({"external_id": "list", "category": ["press"], "title": "목록 분류"}),
        json.dumps({"external_id": "rev", "category": "press", "title": "큰 수", "revision": 10**30}),
        '{"external_id": "inf", "category": "press", "title": "무한", "view_count": 1e999}',
        json.dumps({"external_id": "fname", "category": "press", "title": "이름",
                    "attachments": [{"path": "x.pdf", "filename": 7}]}),
        json.dumps({"kind": "category", "slug": ["x"], "name": "목록"}),
        json.dumps({"kind": "category", "slug": "long-" + "a" * 80, "name": "긴 주소"}),
        json.dumps({"kind": "category", "slug": "order", "name": "순서", "sort_order": "abc"}),
        json.dumps({"kind": "category", "slug": "big", "name": "순서", "sort_order": 10**30}),
        json.dumps({"external_id": "fine", "category": "press", "title": "정상"}),
    ]
    (tmp_path / "x.pdf").write_bytes(samples.tiny_pdf())
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(tmp_path / "in.jsonl", "ab") as fh:
        fh.write(b'{"external_id": "bytes", "category": "press", "title": "\xff\xfe"}\n')
    result = staff_db_app.test_cli_runner().invoke(args=["import", str(tmp_path / "in.jsonl")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)  # a report, no traceback
    assert "새로 만든 보도자료 1건" in result.output and "12건을 가져오지 못했습니다." in result.output
    for line in range(1, 12):
        assert f"{line}번째 줄: " in result.output, line
    assert "13번째 줄: " in result.output and "잘못된 UTF-8" in result.output
    with staff_db_app.app_context():
        assert [r.external_id for r in Release.select()] == ["fine"]


def test_any_record_is_imported_whole_or_reported(staff_app, tmp_path, staff):
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
    text = st.text(st.one_of(st.characters(), st.sampled_from(["\ud800", "\x00"])), max_size=12)
    values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | text,
                          lambda inner: st.lists(inner, max_size=2) | st.dictionaries(text, inner, max_size=2),
                          max_leaves=6)
    keys = st.sampled_from(["kind", "slug", "name", "sort_order", "external_id", "public_id", "category",
                            "title", "author", "body", "summary", "status", "published_at", "created_at",
                            "revision", "view_count", "attachments"])
    plausible = st.sampled_from(["press", "category", "published", "제목", "2024-01-01T00:00:00Z", 1])

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(records=st.lists(st.dictionaries(keys, values | plausible, max_size=8), min_size=1, max_size=4))
    def check(records):
        path = tmp_path / "fuzz.jsonl"
        path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
        with staff_app.app_context():
            before = Release.select().count()
            report = import_file(path, staff.CLI)
            assert report.created + report.unchanged + len(report.problems) <= len(records)
            assert Release.select().count() == before + report.created

    check()


def test_importing_embargoed_releases_moves_no_public_validator(staff_db_app, tmp_path, staff):
    """An import of releases scheduled for later shows in no ETag; each is announced when due."""
    from feedserver.models import OutboxJob
    client = staff_db_app.test_client()
    before = {path: client.get(path).headers["ETag"] for path in ("/feeds/all.atom", "/feeds/category/press.rss")}
    later = utcnow() + timedelta(days=1)
    write_jsonl(tmp_path / "later.jsonl", [
        {"external_id": f"e{n}", "category": "press", "title": f"엠바고 {n}", "body": "<p>비공개</p>",
         "status": "scheduled", "published_at": (later + timedelta(hours=n)).isoformat()} for n in range(3)])
    with staff_db_app.app_context():
        assert import_file(tmp_path / "later.jsonl", staff.CLI).created == 3
        due = OutboxJob.select().where(OutboxJob.kind == "due", OutboxJob.status == "pending").count()
        changed = OutboxJob.select().where(OutboxJob.kind == "changed").count()
    assert (due, changed) == (3, 0)
    assert {path: client.get(path).headers["ETag"] for path in before} == before
    write_jsonl(tmp_path / "now.jsonl", [{"external_id": "p1", "category": "press", "title": "공개",
                                          "body": "<p>공개</p>", "status": "published"}])
    with staff_db_app.app_context():
        assert import_file(tmp_path / "now.jsonl", staff.CLI).created == 1
    assert all(client.get(path).headers["ETag"] != etag for path, etag in before.items())


def test_export_and_import_carry_the_press_fields_and_correction(staff_db_app, tmp_path, fresh_app, staff):
    from feedserver.models import User
    from feedserver.publishing import releases as publishing
    from feedserver.publishing.audit import Actor
    from feedserver.publishing.input import check_fields
    press = {"department": "경제정책과", "contact_person": "홍길동", "contact_phone": "031-8008-2114",
             "contact_email": "press@gg.go.kr", "embargo_text": "2024. 5. 7.(화) 조간", "kogl_type": 4}
    with staff_db_app.app_context():
        actor = Actor(User.get(User.username == "admin"), "cli")
        release = publishing.create_release(check_fields(
            {"title": "내보낼 보도자료", "category": "press", "status": "published",
             "published_at": "2024-05-06T21:00:00Z", **press}), actor)
        publishing.update_release(release, check_fields({"correction": "연락처 정정"}, current=release),
                                  actor)
        kept = Release.get_by_id(release.id)
        (tmp_path / "out").mkdir()
        export_file(tmp_path / "out" / "releases.jsonl")
    record = [json.loads(line) for line in open(tmp_path / "out" / "releases.jsonl", encoding="utf-8")][-1]
    assert {k: record[k] for k in press} == press and record["correction"] == "연락처 정정"
    assert record["corrected_at"] and record["content_changed_at"]
    app = fresh_app(tmp_path / "again")
    with app.app_context():
        report = import_file(tmp_path / "out" / "releases.jsonl", staff.CLI)
        assert report.ok, report.problems
        copy = Release.get(Release.public_id == kept.public_id)
        assert {k: getattr(copy, k) for k in press} == press
        assert (copy.correction, copy.corrected_at, copy.content_changed_at) == (
            "연락처 정정", kept.corrected_at, kept.content_changed_at)
        from feedserver.publishing import revisions
        first = list(revisions.history(copy))
        assert [(r.number, r.action, r.title) for r in first] == [(2, "release_import", "내보낼 보도자료")]
        assert revisions.data_of(first[0])["contact_phone"] == "031-8008-2114"
        again = import_file(tmp_path / "out" / "releases.jsonl", staff.CLI)
        assert again.created == 0 and again.unchanged == 1 and again.ok


def test_a_csv_import_reads_the_kogl_type_as_a_number(app, tmp_path, staff):
    path = tmp_path / "releases.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["title", "category", "status", "published_at", "contact_phone", "kogl_type"])
        writer.writerow(["CSV 보도자료", "press", "published", "2024-05-07T00:00:00Z", "02-123-4567", "3"])
    with app.app_context():
        from feedserver.models import Category
        Category.create(slug="press", name="보도자료")
        report = import_file(path, staff.CLI)
        assert report.ok, report.problems
        release = Release.get(Release.title == "CSV 보도자료")
        assert (release.contact_phone, release.kogl_type) == ("02-123-4567", 3)
