"""Item pipelines: write what the spiders yield into the SQLite store."""
