"""Release content without Flask requests: sanitising bodies, checking uploads, storing files,
and reading the text of stored files (extract.py, hwp.py: bounded, never on request).

May import: plumbing (config, db, dates) and models.
"""
