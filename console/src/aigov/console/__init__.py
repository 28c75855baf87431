"""aigov web console: server-rendered pages over the public API only."""
