"""The outbox job kinds e-mail adds; feedserver/websub/delivery.py runs them like its own."""
from feedserver.mail.digest import digest_job
from feedserver.mail.fanout import release_job
from feedserver.mail.send import send_job

HANDLERS = {"mail_release": release_job, "mail_send": send_job, "mail_digest": digest_job}
