"""Items the spiders yield; pipelines write them into the store."""
