"""Reader-facing HTTP: board, feeds, discovery, widget, the WebSub hub endpoint, errors, headers.

May import: everything but admin/, api/ and cli/.
"""
