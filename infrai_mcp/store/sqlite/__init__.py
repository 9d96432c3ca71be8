"""The embedded store: SQLite through one writer and one reader thread."""
