"""Numbered schema migrations (see edge.store.migrate)."""
