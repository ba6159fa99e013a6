"""Publishing commands: create-admin, create-user, create-token, import, export, extract-attachments."""
import sys

import click
from flask.cli import with_appcontext

from feedserver.admin.accounts import create_user, normalize_username
from feedserver.db import database
from feedserver.models import ROLE_LABELS, ROLES, Attachment, Release, User
from feedserver.publishing import audit
from feedserver.publishing.file_text import extract_pending
from feedserver.publishing.records import count_records
from feedserver.publishing.tokens import issue_token
from feedserver.publishing.transfer import export_file, import_file


def cli_actor(username=None):
    """Return the audit actor of a command: a named user, or the command line itself."""
    user = User.get_or_none(User.username == username) if username else None
    if username and user is None:
        raise click.ClickException(f"없는 사용자입니다: {username}")
    return audit.Actor(user, "cli", name="cli")


def _read_password(password_stdin):
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("비밀번호", hide_input=True, confirmation_prompt="비밀번호 확인")
    if len(password) < 10:
        raise click.ClickException("비밀번호는 10자 이상이어야 합니다.")
    return password


def _create_user(username, role, password_stdin):
    username = normalize_username(username)
    if User.select().where(User.username == username).exists():
        raise click.ClickException(f"이미 있는 사용자입니다: {username}")
    password = _read_password(password_stdin)
    with database.atomic():
        user = create_user(username, password, role)
        audit.record(cli_actor(), "user_create", f"user:{user.username}", f"역할: {role}")
    click.echo(f"{ROLE_LABELS[role]} {user.username}을(를) 만들었습니다.")


@click.command("create-admin")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_admin_command(username, password_stdin):
    """Create an administrator account."""
    _create_user(username, "admin", password_stdin)


@click.command("create-user")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), default="editor", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(username, role, password_stdin):
    """Create an editor (or admin) account."""
    _create_user(username, role, password_stdin)


@click.command("create-token")
@click.argument("username")
@click.option("--name", default="명령줄에서 발급", help="What the token is for.")
@with_appcontext
def create_token_command(username, name):
    """Issue an API token for USERNAME and print it once."""
    user = User.get_or_none(User.username == username)
    if user is None or not user.active:
        raise click.ClickException(f"없거나 쓰지 않는 사용자입니다: {username}")
    _, secret = issue_token(user, name, cli_actor())
    click.echo(secret)


@click.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--as", "username", help="Record the releases in the audit log under this user.")
@with_appcontext
def import_command(path, username):
    """Import releases from JSON Lines (.jsonl) or CSV (.csv); safe to rerun."""
    actor = cli_actor(username)
    with click.progressbar(length=count_records(path), label="보도자료 가져오기", show_pos=True,
                           update_min_steps=100, file=sys.stderr) as bar:
        report = import_file(path, actor, progress=bar.update)
    audit.record(actor, "import", path, f"새로 {report.created}건, 이미 있음 {report.unchanged}건, "
                                        f"분류 {report.categories}개, 문제 {len(report.problems)}건")
    click.echo(f"새로 만든 보도자료 {report.created}건, 이미 있던 보도자료 {report.unchanged}건, "
               f"새 분류 {report.categories}개.")
    for number, message in report.problems[:50]:
        click.echo(f"{number}번째 줄: {message}", err=True)
    if not report.ok:
        raise click.ClickException(f"{len(report.problems)}건을 가져오지 못했습니다.")


@click.command("export")
@click.argument("path", type=click.Path(dir_okay=False, writable=True))
@with_appcontext
def export_command(path):
    """Export categories and releases as JSON Lines; attachments go to files/ beside it."""
    with click.progressbar(length=Release.select().count(), label="보도자료 내보내기",
                           show_pos=True, file=sys.stderr) as bar:
        count = export_file(path, progress=bar.update)
    audit.record(cli_actor(), "export", path, f"보도자료 {count}건")
    click.echo(f"보도자료 {count}건을 {path}에 내보냈습니다.")


@click.command("extract-attachments")
@with_appcontext
def extract_attachments_command():
    """Read the text of attachments stored before 바로보기 and attachment search existed."""
    pending = Attachment.select().where(Attachment.text_state == "").count()
    with click.progressbar(length=pending, label="첨부파일 내용 읽기") as bar:
        done = extract_pending(bar.update)
    click.echo(f"첨부파일 {done}개의 내용을 읽었습니다.")


COMMANDS = (create_admin_command, create_user_command, create_token_command, import_command,
            export_command, extract_attachments_command)
