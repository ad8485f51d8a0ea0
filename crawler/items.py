"""Items the spiders yield; pipelines write them into the store."""

import scrapy


class CSRankingsSnapshotItem(scrapy.Item):
    """The whole CSRankings source, parsed and merged (a ``crawler.csrankings.Snapshot``).

    One item per crawl, yielded only once every file arrived, so the pipeline can import it
    in a single transaction.
    """

    snapshot = scrapy.Field()
    files = scrapy.Field()


class HomepageItem(scrapy.Item):
    """One professor's finished homepage crawl: final state, extracted facts, fetch log.

    ``url`` is the homepage that gave the facts (or the first one, when none worked);
    ``note`` says what a reader should know (a redirect to another host, an earlier homepage
    that failed); ``email_records`` / ``email_doubts`` are the extraction's records as dicts;
    ``sources`` maps a fact to the URL of the page that gave it; ``listed_publications``
    holds, per page, the titles and arXiv ids it lists (``{"url", "titles", "arxiv_ids"}``).

    Yielded once per professor when all its requests have ended, so the pipeline writes the
    homepage row and its fetch log together in one transaction.
    """

    professor_id = scrapy.Field()
    url = scrapy.Field()
    final_url = scrapy.Field()
    state = scrapy.Field()
    detail = scrapy.Field()
    note = scrapy.Field()
    emails = scrapy.Field()
    email_records = scrapy.Field()
    email_doubts = scrapy.Field()
    sources = scrapy.Field()
    listed_publications = scrapy.Field()
    interests = scrapy.Field()
    keyphrases = scrapy.Field()
    lab_name = scrapy.Field()
    lab_url = scrapy.Field()
    recruiting = scrapy.Field()
    recruiting_evidence = scrapy.Field()
    links = scrapy.Field()
    pages_fetched = scrapy.Field()
    fetches = scrapy.Field()
    fetched_at = scrapy.Field()
