"""E-mail: the press list and citizens' subscriptions, delivered through the outbox.

Every change readers see queues one "mail_release" job in its transaction, beside WebSub's
(websub/outbox.announce: publish, a scheduled release coming due, an edit). The worker turns it
into one MailDelivery row per address and "mail_send" jobs of a batch each (fanout.py), which
send over SMTP or into .eml files (transport.py) exactly once per address (send.py). Digests
(digest.py) re-queue themselves every hour; subscriptions.py holds the double opt-in, press.py
the 기자 명단, addresses.py the 개인정보 requests. send.count() is where a metric goes.
"""
