"""Release content without Flask requests: sanitising bodies, checking uploads, storing files.

May import: plumbing (config, db, dates) and models.
"""
