"""A professor's own publication list, read from their pages (pure).

:func:`extract_publications` reads an HTML page and returns the titles it lists (text
segments that can be paper titles: whole list items, linked or emphasised text, quoted
text, sentences of a reference) and the arXiv ids it links to. Matching a paper against
them is :func:`profscout.core.names.title_listed`; a title or an arXiv id found here is the
strongest evidence that a paper under a shared name is this person's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from lxml import html as lxml_html

from profscout.core.names import fold

ARXIV_ID = re.compile(
    r"arxiv(?:\.org/(?:abs|pdf)/|[:\s]\s*)(\d{4}\.\d{4,5})(?:v\d+)?", re.IGNORECASE)
_BLOCKS = ("li", "p", "tr", "dd", "dt", "div", "td", "h3", "h4", "h5")
_INLINE = ("a", "b", "strong", "em", "i", "span", "h3", "h4", "h5", "font")
_QUOTED = re.compile(r"[\"“”‘’«»]([^\"“”«»]{12,300})[\"“”«»]")
_SENTENCES = re.compile(r"(?<=[a-z0-9\)\]])[.?!]\s+(?=[A-Z\"“])")
MIN_WORDS, MAX_WORDS = 4, 40
_SKIP = ("script", "style", "noscript", "nav", "footer", "head")


@dataclass
class ListedPublications:
    """Titles (as written) and arXiv ids found on a professor's pages."""

    titles: list[str] = field(default_factory=list)
    arxiv_ids: list[str] = field(default_factory=list)

    def merge(self, other: ListedPublications) -> ListedPublications:
        return ListedPublications(list(dict.fromkeys([*self.titles, *other.titles])),
                                  list(dict.fromkeys([*self.arxiv_ids, *other.arxiv_ids])))


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" ,;:.-–—")


def _usable(text: str) -> bool:
    n = len(fold(text).split())
    return MIN_WORDS <= n <= MAX_WORDS


def extract_publications(page: str | bytes) -> ListedPublications:
    """The titles and arXiv ids a page lists (empty for an unreadable page)."""
    if isinstance(page, bytes):
        page = page.decode("utf-8", errors="replace")
    ids = list(dict.fromkeys(m.group(1) for m in ARXIV_ID.finditer(page)))
    try:
        root = lxml_html.fromstring(page)
    except (ValueError, lxml_html.etree.ParserError):
        return ListedPublications([], ids)
    for bad in root.xpath("//" + " | //".join(_SKIP)):
        bad.drop_tree()
    segments: list[str] = []
    for element in root.iter(*_INLINE):
        text = _clean(element.text_content())
        if _usable(text):
            segments.append(text)
    for element in root.iter(*_BLOCKS):
        text = _clean(element.text_content())
        if len(text) > 2000:  # a container of the whole list, not one entry
            continue
        if _usable(text):
            segments.append(text)
        segments += [_clean(q) for q in _QUOTED.findall(text) if _usable(q)]
        segments += [_clean(s) for s in _SENTENCES.split(text) if _usable(s)]
    return ListedPublications(list(dict.fromkeys(segments)), ids)


def extract_from_pages(pages: Iterable[str | bytes]) -> ListedPublications:
    """What several pages of one professor list, together."""
    listed = ListedPublications()
    for page in pages:
        listed = listed.merge(extract_publications(page))
    return listed
