"""Server-rendered pages of the audit app."""
