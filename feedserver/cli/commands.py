"""Command line: `feedserver migrate`, `feedserver seed-demo`, and Flask's own commands."""
import logging
import os
import signal

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from prometheus_client import start_http_server

from feedserver import create_app
from feedserver.cli.admin import COMMANDS as PUBLISHING_COMMANDS
from feedserver.mail import digest as mail_digest
from feedserver.mail import transport as mail_transport
from feedserver.migrate import migrate
from feedserver.models import Release
from feedserver.publishing.demo import seed_demo
from feedserver.publishing.file_text import extract_pending
from feedserver.search import recent as recent_search
from feedserver.websub.worker import Worker


@click.command("migrate")
@with_appcontext
def migrate_command():
    """Apply pending schema migrations."""
    applied = migrate()
    click.echo("적용한 마이그레이션: " + (", ".join(applied) if applied else "없음 (최신 상태)"))
    # Files stored before 0014 (or restored from an older backup) get their text now, once.
    read = extract_pending()
    if read:
        click.echo(f"전에 올린 첨부파일 {read}개의 내용을 읽었습니다.")
    moved = recent_search.refresh()
    if moved is not None:
        click.echo(f"최근 보도자료 검색 색인: {moved}번 이후 보도자료")


@click.command("seed-demo")
@click.option("--count", default=937, show_default=True, type=click.IntRange(9, 5_000_000),
              help="Releases on the 도지사 보도자료 board (large values build benchmark archives).")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database already has releases.")
@with_appcontext
def seed_demo_command(count, if_empty):
    """Load the deterministic demo board into an empty database."""
    if Release.select().exists():
        if if_empty:
            click.echo("이미 보도자료가 있어 예시 데이터를 넣지 않았습니다.")
            return
        raise click.ClickException("데이터베이스에 이미 보도자료가 있습니다.")
    with click.progressbar(length=count, label="예시 보도자료 생성") as bar:
        seed_demo(count=count, progress=bar.update)
    click.echo(f"예시 게시판을 만들었습니다 (도지사 보도자료 {count}건).")


@click.command("worker")
@with_appcontext
def worker_command():
    """Deliver WebSub notifications and e-mail from the outbox until stopped (SIGTERM or Ctrl-C)."""
    worker = Worker(current_app._get_current_object())
    signal.signal(signal.SIGTERM, lambda *_: worker.stop())
    _serve_metrics(current_app.config.get("WORKER_METRICS_BIND", ""))
    mail_digest.ensure_scheduled()
    click.echo(f"WebSub 작업자 시작: {worker.name}")
    click.echo(f"메일 발송: {mail_transport.where()}")
    try:
        released = worker.run()
    except KeyboardInterrupt:
        worker.stop()
        released = 0
    click.echo(f"WebSub 작업자 멈춤: 끝내지 못한 작업 {released}건을 되돌려 놓았습니다.")
    if released:
        # Their threads may still wait on a callback; the jobs are back in the outbox already,
        # so the process need not wait for the threads (the interpreter would, at exit).
        logging.shutdown()
        os._exit(0)


def _serve_metrics(bind):
    """Serve this process's metrics on host:port (WORKER_METRICS_BIND), if set."""
    if bind:
        host, _, port = bind.rpartition(":")
        start_http_server(int(port), addr=host.strip("[]") or "127.0.0.1")


def init_app(app):
    """Register the commands on the app's CLI."""
    for command in (migrate_command, seed_demo_command, worker_command, *PUBLISHING_COMMANDS):
        app.cli.add_command(command)


def main():
    """Entry point of the `feedserver` console script."""
    FlaskGroup(create_app=create_app)()
