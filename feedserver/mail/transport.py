"""Handing a message over: SMTP (STARTTLS, TLS or plain) from the settings, or .eml files."""
import smtplib
import ssl
from pathlib import Path

from flask import current_app


class PermanentFailure(Exception):
    """The relay refused this recipient or message for good (5xx): do not try again."""

    def __init__(self, code, text):
        super().__init__(f"{code} {text}")
        self.code = code


def eml_dir():
    """Return the folder .eml files go to when no SMTP host is set, creating it."""
    folder = Path(current_app.config.get("MAIL_EML_DIR") or Path(current_app.instance_path) / "mail")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def where():
    """Say where messages go, for the worker's start line."""
    config = current_app.config
    if config.get("MAIL_SMTP_HOST"):
        return (f"SMTP {config['MAIL_SMTP_HOST']}:{config['MAIL_SMTP_PORT']} "
                f"({config['MAIL_SMTP_SECURITY']})")
    return f"메일 서버 없음: .eml 파일로 저장 ({eml_dir()})"


def open_transport():
    """Return a transport for one batch: call send() per message, close() at the end."""
    config = current_app.config
    if config.get("MAIL_SMTP_HOST"):
        return SmtpTransport(config)
    return EmlTransport(eml_dir())


class EmlTransport:
    """Writes each message as <name>.eml, atomically (a reader never sees half a file)."""

    def __init__(self, folder):
        self.folder = folder

    def send(self, message, recipient, name):
        target = self.folder / f"{name}.eml"
        part = self.folder / f"{name}.eml.part"
        part.write_bytes(message.as_bytes())
        part.replace(target)

    def close(self):
        pass


class SmtpTransport:
    """One SMTP connection for a batch, opened on the first message."""

    def __init__(self, config):
        self.config = config
        self.smtp = None

    def _connect(self):
        config = self.config
        host, port, timeout = config["MAIL_SMTP_HOST"], config["MAIL_SMTP_PORT"], config["MAIL_SMTP_TIMEOUT"]
        security = config["MAIL_SMTP_SECURITY"]
        if security == "tls":
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
            if security == "starttls":
                smtp.starttls(context=ssl.create_default_context())
        if config.get("MAIL_SMTP_USER"):
            smtp.login(config["MAIL_SMTP_USER"], config.get("MAIL_SMTP_PASSWORD", ""))
        return smtp

    def send(self, message, recipient, name):
        """Send to one recipient; PermanentFailure on a 5xx, other errors are for a retry."""
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(message, to_addrs=[recipient])
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise _classify(code, text) from None
        except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused) as error:
            raise _classify(error.smtp_code, error.smtp_error) from None

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except smtplib.SMTPException:
                self.smtp.close()
            except OSError:
                pass


def _classify(code, text):
    text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
    if 500 <= code < 600:
        return PermanentFailure(code, text)
    return RuntimeError(f"SMTP {code} {text}")  # 4xx: the relay asks us to come back later
