"""Scrapy spiders: ``csrankings`` and ``homepages``."""
