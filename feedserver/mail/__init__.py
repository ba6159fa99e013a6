"""E-mail: the press list and citizens' subscriptions, delivered through the outbox.

A release that goes live queues one "mail_release" job (triggers.py) in its transaction; the
worker turns it into one MailDelivery row per address and "mail_send" jobs of a batch each
(fanout.py), which send over SMTP or into .eml files (transport.py) exactly once per address
(send.py). Digests (digest.py) re-queue themselves every hour.
"""
