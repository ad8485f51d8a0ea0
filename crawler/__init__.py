"""The crawler: a Scrapy project (settings, items, pipelines, spiders), the arXiv client and
pure extraction and name-matching functions."""
