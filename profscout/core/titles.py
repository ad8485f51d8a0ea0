"""Does a professor's own publication list name this paper? (pure)

A listed segment names a paper when, folded (:func:`profscout.core.names.fold`), it equals
the title, contains it whole (a reference line with authors and venue), or is within a small
edit ratio of it (a typo, a changed word, punctuation). Titles shorter than
``MIN_TITLE_WORDS`` words are never matched: "Introduction" would match anything.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from difflib import SequenceMatcher

from profscout.core.names import fold

MIN_TITLE_WORDS = 4
MIN_RATIO = 0.9  # SequenceMatcher ratio between folded title and folded segment


def normal_title(title: str) -> str:
    """The folded form titles are compared in."""
    return fold(title)


class ListedTitles:
    """The titles and arXiv ids a professor's pages list, ready for matching."""

    def __init__(self, titles: Iterable[str] = (), arxiv_ids: Iterable[str] = ()) -> None:
        self.segments = sorted({normal_title(t) for t in titles} - {""})
        self.exact = set(self.segments)
        self.arxiv_ids = {_base_id(i) for i in arxiv_ids if i.strip()}
        self._index: dict[str, list[int]] = defaultdict(list)
        for n, segment in enumerate(self.segments):
            for word in set(segment.split()):
                self._index[word].append(n)

    def __bool__(self) -> bool:
        return bool(self.segments or self.arxiv_ids)

    def __len__(self) -> int:
        return len(self.segments)

    def names(self, arxiv_id: str, title: str) -> str:
        """How the list names the paper: "arXiv id listed", "title listed", or ""."""
        if _base_id(arxiv_id) in self.arxiv_ids:
            return "arXiv id listed"
        wanted = normal_title(title)
        words = set(wanted.split())
        if len(wanted.split()) < MIN_TITLE_WORDS:
            return ""
        if wanted in self.exact:
            return "title listed"
        shared: Counter[int] = Counter()
        for word in words:
            shared.update(self._index.get(word, ()))
        n = len(wanted)
        for i, count in shared.items():
            if count < len(words) * MIN_RATIO - 1:
                continue
            segment = self.segments[i]
            if len(segment) >= n and wanted in segment:
                return "title listed"
            if abs(len(segment) - n) <= n * (1 - MIN_RATIO) * 2 and SequenceMatcher(
                    None, wanted, segment, autojunk=False).ratio() >= MIN_RATIO:
                return "title listed"
        return ""


def _base_id(arxiv_id: str) -> str:
    """An arXiv id without its version ("2501.01234v2" → "2501.01234")."""
    return re.sub(r"v\d+$", "", arxiv_id.strip().lower())
