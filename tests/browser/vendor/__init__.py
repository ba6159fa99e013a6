"""Third-party scripts the browser tests inject into pages (see README.md); no Python here."""
