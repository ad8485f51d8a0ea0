"""Pure extraction over a professor's homepage HTML: emails, interests, lab, recruiting, links.

Everything here takes text or bytes and returns plain data; no network, no store. Parsing
uses BeautifulSoup with lxml. Extraction is heading- and sentence-based: faculty pages are
list-heavy and rarely look like articles.

Entry points: :func:`decode_html` (bytes -> text, charset detected when missing or wrong),
:func:`looks_like_html`, :func:`extract_page` (one page -> :class:`PageFacts`),
:func:`merge_pages` (homepage + subpages -> :class:`HomepageFacts`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from bs4 import (
    BeautifulSoup,
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
    Tag,
)
from w3lib.encoding import html_body_declared_encoding, html_to_unicode, http_content_type_encoding

# ----------------------------------------------------------------------------- decoding


def _detect_encoding(body: bytes) -> str | None:
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    return best.encoding if best is not None else None


def _single_byte(encoding: str) -> bool:
    import codecs

    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return False
    return name.startswith(("cp125", "iso8859", "latin", "mac-", "koi8", "cp437", "cp850"))


def decode_html(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """``(text, encoding)`` of an HTML body.

    The encoding the server or the page declares is used when the bytes really decode with
    it; when none is declared, or the declared one does not fit the bytes (a Latin-1 page
    that claims UTF-8), charset-normalizer detects it.
    """
    declared = http_content_type_encoding(content_type) if content_type else None
    declared = declared or html_body_declared_encoding(body)
    if declared:
        try:
            return body.decode(declared), declared
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    detected = _detect_encoding(body)
    if detected is None or _single_byte(detected):
        # Misdeclared single-byte pages are overwhelmingly Western: the web's own fallback.
        for fallback in ("cp1252", "latin-1"):
            try:
                return body.decode(fallback), fallback
            except UnicodeDecodeError:
                continue
    if detected:
        try:
            return body.decode(detected), detected
        except (UnicodeDecodeError, LookupError):
            pass
    encoding, text = html_to_unicode(content_type, body)
    return text, encoding


_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f\x7f]")
_TAG = re.compile(rb"<\s*(html|head|body|div|p|a|title|meta|table|h[1-6]|!doctype)\b", re.I)


def looks_like_html(body: bytes) -> bool:
    """Whether ``body`` is HTML text rather than binary bytes served as ``text/html``."""
    head = body[:8192]
    if not head.strip():
        return False
    if len(_CONTROL.findall(head)) > 0.01 * len(head):
        return False
    return bool(_TAG.search(head))


HTML_TYPES = ("text/html", "application/xhtml+xml")


def is_html_content_type(content_type: str | None) -> bool:
    """``True`` for HTML media types, and for a missing header (then the body decides)."""
    if not content_type:
        return True
    return content_type.split(";", 1)[0].strip().lower() in HTML_TYPES


# ----------------------------------------------------------------------------- text

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "dd", "div", "dl", "dt", "fieldset",
    "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
    "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table", "tbody", "td", "th",
    "thead", "tr", "ul", "br", "title",
}
HIDDEN_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "object")
HEADING_TAGS = ("h1", "h2", "h3", "h4", "h5", "h6")


def fold(text: str) -> str:
    """Lower case, accents removed, whitespace collapsed."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return re.sub(r"\s+", " ", text.lower()).strip()


def clean_space(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


def parse(html: str) -> BeautifulSoup:
    """A soup with scripts, styles and comments removed."""
    soup = BeautifulSoup(html, "lxml")
    for tag in soup.find_all(HIDDEN_TAGS):
        tag.decompose()
    return soup


def block_text(node: Tag) -> str:
    """Visible text of ``node`` with a newline between block elements, inline text joined."""
    parts: list[str] = []

    def walk(el: Tag) -> None:
        for child in el.children:
            if isinstance(child, Comment | Declaration | Doctype | ProcessingInstruction):
                continue
            if isinstance(child, NavigableString):
                parts.append(re.sub(r"\s+", " ", str(child)))
            elif isinstance(child, Tag):
                block = child.name in BLOCK_TAGS
                if block:
                    parts.append("\n")
                walk(child)
                if block:
                    parts.append("\n")

    walk(node)
    lines = (clean_space(line) for line in "".join(parts).split("\n"))
    return "\n".join(line for line in lines if line)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"'(\[])")
_ABBREV = re.compile(r"\b(Ph|Dr|Prof|Mr|Ms|Mrs|e\.g|i\.e|etc|vs|al|Univ|Dept|St|No|M\.S|B\.S)\.$")


def sentences(text: str) -> list[str]:
    """Sentences of ``text`` (one block per line), abbreviations such as "Ph.D." kept whole."""
    out: list[str] = []
    for line in text.split("\n"):
        pieces = _SENTENCE_END.split(line)
        buf = ""
        for piece in pieces:
            buf = f"{buf} {piece}".strip() if buf else piece
            if not _ABBREV.search(buf):
                out.append(buf)
                buf = ""
        if buf:
            out.append(buf)
    return [s for s in (clean_space(s) for s in out) if s]


# ----------------------------------------------------------------------------- emails

EMAIL_RE = re.compile(
    r"(?<![\w.+-])([A-Za-z0-9][A-Za-z0-9._%+-]{0,63})@((?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,24})(?![\w-])"
)
FILE_SUFFIXES = {"png", "jpg", "jpeg", "gif", "svg", "webp", "css", "js", "pdf", "ico", "bmp"}
GENERIC_LOCALS = {
    "webmaster", "info", "admin", "administrator", "contact", "noreply", "no-reply",
    "donotreply", "support", "help", "helpdesk", "office", "secretary", "hello", "postmaster",
    "abuse", "privacy", "press", "news", "web", "www", "root", "mail", "email", "name",
    "firstname", "lastname", "first.last", "firstname.lastname", "yourname", "your.name",
    "your.email", "you", "user", "username", "someone", "example", "test", "jdoe", "john.doe",
    "johndoe", "jane.doe", "janedoe", "me", "dept", "department", "registrar", "sales",
}
DEMO_DOMAINS = {
    "example.com", "example.org", "example.net", "example.edu", "domain.com", "email.com",
    "yourdomain.com", "mydomain.com", "company.com", "university.edu", "school.edu",
    "yoursite.com", "website.com", "sentry.io", "users.noreply.github.com", "test.com",
    "domain.edu", "institution.edu", "mail.com",
}
FREE_MAIL = {
    "gmail.com", "googlemail.com", "yahoo.com", "hotmail.com", "outlook.com", "live.com",
    "qq.com", "163.com", "126.com", "foxmail.com", "icloud.com", "me.com", "protonmail.com",
    "proton.me", "aol.com", "yandex.ru", "mail.ru", "naver.com", "sina.com", "yeah.net",
}
TLD_WORDS = {"edu", "com", "org", "net", "gov", "io", "ai", "info", "eu", "int", "mil"}

_BR_AT = r"\s*(?:\[\s*(?:at|@)\s*\]|\(\s*(?:at|@)\s*\)|\{\s*(?:at|@)\s*\}|<\s*(?:at|@)\s*>)\s*"
_BR_DOT = (r"\s*(?:\[\s*(?:dot|\.|period|point)\s*\]|\(\s*(?:dot|\.|period|point)\s*\)"
           r"|\{\s*(?:dot|\.)\s*\}|<\s*(?:dot|\.)\s*>)\s*")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_WORD_DOT = r"\s+(?:dot|DOT|Dot|fullstop|FULLSTOP|full stop|period)\s+"
_WORD_AT = r"\s+(?:at|AT|At)\s+"
_SPELLED = re.compile(
    rf"(?<![\w.@-])([A-Za-z0-9][A-Za-z0-9._+-]*){_WORD_AT}({_LABEL}(?:(?:\.|{_WORD_DOT}){_LABEL})+)"
)
_SPACED = re.compile(
    rf"(?<![\w.@-])([A-Za-z0-9][A-Za-z0-9._+-]*){_WORD_AT}({_LABEL}(?:\s+{_LABEL}){{1,4}})"
)
_CONTACT_CUE = re.compile(r"(e-?mail|contact|mail)\s*(me|address)?\s*[:\-]?\s*$", re.I)
_PLACEHOLDER = re.compile(r"\$?\{?\s*(my)?_?(first|last|family|given|sur)_?name\s*\}?", re.I)


@dataclass(frozen=True)
class EmailCandidate:
    """An address found on a page, with what the extractor knows about where it was."""

    address: str
    visible: bool  # shown in the page text (not only in a mailto: link)
    cue: bool  # next to an "Email:" label, or a mailto: link
    position: int  # order of appearance on the page
    page_rank: int  # 0 homepage or contact page, 1 other subpages


def decode_cfemail(hex_string: str) -> str | None:
    """Cloudflare's ``data-cfemail``: hex bytes, the first byte XORs the rest."""
    try:
        data = bytes.fromhex(hex_string.strip())
    except ValueError:
        return None
    if len(data) < 2:
        return None
    decoded = bytes(b ^ data[0] for b in data[1:])
    try:
        text = decoded.decode("utf-8")
    except UnicodeDecodeError:
        return None
    match = EMAIL_RE.fullmatch(text.strip())
    return text.strip().lower() if match else None


def _normalise_address(local: str, domain: str) -> str | None:
    local = local.strip(".-_+").lower()
    domain = domain.strip(".-").lower()
    if not local or not domain or "." not in domain:
        return None
    tld = domain.rsplit(".", 1)[1]
    if tld in FILE_SUFFIXES or not tld.isalpha():
        return None
    return f"{local}@{domain}"


def is_generic_address(address: str) -> bool:
    """Role, placeholder and template-demo addresses that never belong to a person."""
    local, _, domain = address.partition("@")
    if domain in DEMO_DOMAINS or domain.endswith((".example", ".invalid", ".test", ".local")):
        return True
    if local in GENERIC_LOCALS or local.startswith(("noreply", "no-reply", "webmaster")):
        return True
    return bool(re.fullmatch(r"(your|my)[._-]?(name|email|address)", local))


def _fill_placeholders(text: str, name: str | None) -> str:
    """"$MyFirstName@cse.x.edu" -> "abir@cse.x.edu" when the person's name is known."""
    if not name or "name" not in text.lower():
        return text
    words = re.findall(r"[a-z]+", fold(name))
    if not words:
        return text

    def repl(m: re.Match[str]) -> str:
        after = text[m.end():m.end() + 3]
        before = text[max(0, m.start() - 1):m.start()]
        if "@" not in after and before != "@" and not after.startswith((" at", "[", "(")):
            return m.group(0)
        kind = m.group(2).lower()
        return words[0] if kind in ("first", "given") else words[-1]

    return _PLACEHOLDER.sub(repl, text)


def deobfuscate(text: str) -> str:
    """Rewrite "[at]"/"(at)"/"[dot]"/"(@)" spellings into plain address characters."""
    text = re.sub(_BR_AT, "@", text, flags=re.I)
    text = re.sub(_BR_DOT, ".", text, flags=re.I)
    # "user@ cs dot x dot edu" after the bracket rules
    text = re.sub(rf"@\s*({_LABEL}(?:{_WORD_DOT}{_LABEL})+)",
                  lambda m: "@" + re.sub(_WORD_DOT, ".", m.group(1)), text)
    text = re.sub(rf"(\w)\s*@\s*({_LABEL}\.)", r"\1@\2", text)
    return text


def _spelled_addresses(line: str) -> Iterable[tuple[int, str, str]]:
    """``user at domain dot edu`` and, next to an "Email:" cue, ``user at cs x edu``."""
    for m in _SPELLED.finditer(line):
        domain = re.sub(_WORD_DOT, ".", m.group(2))
        tld = domain.rsplit(".", 1)[-1].lower()
        if not (tld in TLD_WORDS or len(tld) == 2):
            continue
        yield m.start(), m.group(1), domain
    spelled_at = {m.start() for m in _SPELLED.finditer(line)}
    for m in _SPACED.finditer(line):
        if m.start() in spelled_at or not _CONTACT_CUE.search(line[:m.start()]):
            continue
        labels = m.group(2).split()
        if any(label.lower() in ("dot", "fullstop", "period") for label in labels):
            continue
        last = labels[-1]
        if last.lower() not in TLD_WORDS and not (len(last) == 2 and last.isalpha()):
            continue
        yield m.start(), m.group(1), ".".join(labels)


def email_candidates(soup: BeautifulSoup, text: str, name: str | None = None,
                     page_rank: int = 0) -> list[EmailCandidate]:
    """Every readable address on a page, in page order; generic and demo ones left out."""
    found: list[EmailCandidate] = []
    seen: set[str] = set()

    def add(address: str | None, visible: bool, cue: bool) -> None:
        if address and not is_generic_address(address) and address not in seen:
            seen.add(address)
            found.append(EmailCandidate(address, visible, cue, len(found), page_rank))

    text = _fill_placeholders(text, name)
    for line in deobfuscate(text).split("\n"):
        for pos, local, domain in sorted(
            [(m.start(), m.group(1), m.group(2)) for m in EMAIL_RE.finditer(line)]
            + list(_spelled_addresses(line))
        ):
            cue = bool(_CONTACT_CUE.search(line[:pos]) or re.search(r"e-?mail", line[:pos], re.I))
            add(_normalise_address(local, domain), True, cue)
    for el in soup.find_all(attrs={"data-cfemail": True}):
        add(decode_cfemail(str(el["data-cfemail"])), True, True)
    for a in soup.find_all("a", href=True):
        href = str(a["href"]).strip()
        if "/cdn-cgi/l/email-protection#" in href:
            add(decode_cfemail(href.rsplit("#", 1)[1]), True, True)
            continue
        if not href.lower().startswith("mailto:"):
            continue
        target = unquote(href[7:]).split("?", 1)[0]
        target = _fill_placeholders(deobfuscate(target), name)
        for part in re.split(r"[,;]", target):
            m = EMAIL_RE.search(part.strip())
            if m:
                add(_normalise_address(m.group(1), m.group(2)), False, True)
    return found


def _name_tokens(name: str | None) -> list[str]:
    if not name:
        return []
    words = re.findall(r"[a-z]+", fold(name))
    return [w for w in words if w not in {"jr", "sr", "ii", "iii", "iv"}]


def name_match(address: str, name: str | None) -> int:
    """How strongly an address's local part points to the person (0 none .. 3 full name)."""
    tokens = _name_tokens(name)
    if not tokens:
        return 0
    local = re.sub(r"[^a-z]", "", address.split("@", 1)[0])
    if not local:
        return 0
    first, last = tokens[0], tokens[-1]
    long_tokens = [t for t in tokens if len(t) >= 3]
    hits = sum(1 for t in long_tokens if t in local)
    if hits >= 2:
        return 3
    if hits == 1:
        return 2
    initials = "".join(t[0] for t in tokens)
    if (local.startswith((first[0] + last[:3], last[:4])) or local.startswith(initials)
            or (len(last) >= 4 and last[:4] in local) or local in (initials, first[0] + last[0])):
        return 1
    return 0


def rank_emails(candidates: list[EmailCandidate], name: str | None) -> list[str]:
    """Addresses most likely the person's own first: name match, shown in text, next to an
    "Email" cue, an institutional domain, the homepage, then page order.

    Subpage addresses that do not match the name (students, co-authors) are dropped.
    """
    best: dict[str, tuple] = {}
    for c in candidates:
        match = name_match(c.address, name)
        if c.page_rank > 0 and match == 0:
            continue
        domain = c.address.split("@", 1)[1]
        key = (-(match > 0), -c.visible, -c.cue, -(domain not in FREE_MAIL), -match,
               c.page_rank, c.position)
        if c.address not in best or key < best[c.address]:
            best[c.address] = key
    return sorted(best, key=best.__getitem__)


def choose_emails(candidates: list[EmailCandidate], name: str | None, limit: int = 1) -> list[str]:
    """The person's own address(es): the best ``limit`` of :func:`rank_emails`."""
    return rank_emails(candidates, name)[:limit]


# ----------------------------------------------------------------------------- interests

INTEREST_HEADING = re.compile(
    r"\b(research(\s+(interests?|areas?|topics?|themes?|focus|overview|statement|directions?))?"
    r"|interests?|areas?\s+of\s+(interest|research|expertise)|research\s+summary|my\s+research"
    r"|topics|expertise)\b",
    re.I,
)
NOT_INTEREST_HEADING = re.compile(
    r"(group|lab|team|students|members|publications?|papers|projects?\s*$|grants?|funding"
    r"|experience|positions?|assistants?|scientists?|staff|news|awards|talks)", re.I)
INTEREST_SENTENCE = re.compile(
    r"\b(my research|research interests?|our research|research focus|research lies|"
    r"interested in|i work on|we work on|i am working on|focus(es)? on|research (is|spans|"
    r"centers|centres|aims|addresses|revolves|areas?)|works? (on|at the intersection)|"
    r"interests? (include|are|lie|span)|broadly interested|research group (works|focuses))",
    re.I,
)


def _heading_level(tag: Tag) -> int:
    return int(tag.name[1]) if tag.name in HEADING_TAGS else 7


def _pseudo_headings(soup: BeautifulSoup) -> list[Tag]:
    """Real headings, and bold/strong/dt blocks standing alone on their line."""
    heads: list[Tag] = list(soup.find_all(HEADING_TAGS))
    for tag in soup.find_all(["strong", "b", "dt"]):
        text = clean_space(tag.get_text(" "))
        if not text or len(text) > 60:
            continue
        parent_text = clean_space(tag.parent.get_text(" ")) if tag.parent else ""
        if tag.name == "dt" or parent_text == text or parent_text.startswith(text + ":") \
                or parent_text.startswith(text) and text.endswith(":"):
            heads.append(tag)
    return heads


def _section_after(head: Tag, limit: int = 1500) -> str:
    """Text after a heading up to the next heading of the same or higher level."""
    level = _heading_level(head)
    anchor: Tag = head
    if head.name not in HEADING_TAGS and head.name != "dt":
        # bold pseudo-heading: the rest of its own block, then following blocks
        parent = head.parent
        own = clean_space(parent.get_text(" ")) if parent else ""
        title = clean_space(head.get_text(" "))
        rest = own[len(title):].lstrip(" :-") if own.startswith(title) else ""
        if len(rest) > 30:
            return rest[:limit]
        anchor = parent if parent is not None else head
    parts: list[str] = []
    size = 0
    for sib in anchor.next_siblings:
        if isinstance(sib, NavigableString):
            text = clean_space(str(sib))
        elif isinstance(sib, Tag):
            if sib.name in HEADING_TAGS and _heading_level(sib) <= level:
                break
            if sib.find(HEADING_TAGS) is not None and level <= 6:
                inner = sib.find(HEADING_TAGS)
                if inner is not None and _heading_level(inner) <= level:
                    break
            if sib.name in ("dt",) and head.name == "dt":
                break
            text = block_text(sib)
        else:
            continue
        if text:
            parts.append(text)
            size += len(text)
        if size >= limit:
            break
    return "\n".join(parts)[:limit]


def interests_text(soup: BeautifulSoup, text: str) -> str:
    """What the page says its owner works on: a research/interests section, else the
    sentences of the bio that say so."""
    for head in _pseudo_headings(soup):
        title = clean_space(head.get_text(" "))
        if len(title) > 60 or not INTEREST_HEADING.search(title):
            continue
        if NOT_INTEREST_HEADING.search(title) and not re.search(r"interest", title, re.I):
            continue
        body = _section_after(head)
        if len(body) >= 20:
            return body
    picked: list[str] = []
    all_sentences = sentences(text)
    for i, sentence in enumerate(all_sentences):
        if INTEREST_SENTENCE.search(sentence) and len(sentence) < 600:
            picked.append(sentence)
            nxt = all_sentences[i + 1] if i + 1 < len(all_sentences) else ""
            if nxt and len(nxt) < 400 and re.search(r"\b(include|such as|in particular|"
                                                      r"specifically|topics|areas)\b", nxt, re.I):
                picked.append(nxt)
        if len(" ".join(picked)) > 900:
            break
    return "\n".join(dict.fromkeys(picked))


_PHRASE_SPLIT = re.compile(r"\s*(?:[;,•·|\n]|\band\b(?=\s)|\bas well as\b|\s[-–—]\s)\s*", re.I)
_LEAD_IN = re.compile(
    r"^.*?\b(?:interests?|research|work|focus(?:es)?|interested|lies|spans|areas?|include[sd]?"
    r"|including|on|in|at the intersection of|such as)\b\s*(?:is|are|lie|include|in|on|of)?"
    r"\s*:?\s*", re.I)
_STOP_PHRASE = re.compile(r"^(the|a|an|my|our|i|we|with|and|of|in|on|to|for|its|their)$", re.I)


def keyphrases(interests: str, limit: int = 12) -> list[str]:
    """Short phrases from the interests text: list items, comma/"and" separated parts."""
    phrases: list[str] = []
    for line in interests.split("\n"):
        line = line.strip()
        if not line:
            continue
        if len(line.split()) <= 8 and not INTEREST_SENTENCE.search(line):
            chunks = re.split(r"\s*[;,•·|]\s*", line)
        else:
            chunks = []
            for sentence in sentences(line):
                body = sentence
                m = re.search(r"\b(include|includes|including|such as|on|in|are|:)\s", sentence)
                if m and INTEREST_SENTENCE.search(sentence[:m.start() + 20]):
                    body = sentence[m.end():]
                else:
                    body = _LEAD_IN.sub("", sentence, count=1) if INTEREST_SENTENCE.search(
                        sentence) else sentence
                chunks.extend(_PHRASE_SPLIT.split(body))
        for chunk in chunks:
            chunk = re.sub(r"^[\W_]+|[\W_]+$", "", chunk).strip()
            chunk = re.sub(r"^(and|or|also|especially|particularly|mainly|including)\s+", "",
                           chunk, flags=re.I)
            words = chunk.split()
            if not 1 <= len(words) <= 8 or _STOP_PHRASE.match(chunk):
                continue
            if chunk.lower() not in (p.lower() for p in phrases):
                phrases.append(chunk)
            if len(phrases) >= limit:
                return phrases
    return phrases


# ----------------------------------------------------------------------------- lab

LAB_WORDS = r"(?:Lab|Labs|Laboratory|Group|Research\s+Group|Team)"
_CAP = r"(?:[A-Z0-9][\w&'’·\-/]*|\([A-Z0-9][\w\-]*\)|of|for|and|on|in|the|&|·|@)"
_LAB_NAME = re.compile(
    rf"((?:the\s+)?(?:(?:{_CAP}\s+){{0,8}}?{LAB_WORDS}|[A-Z0-9][\w]*-(?:Lab|Labs|Group))"
    rf"(?:\s+\([A-Z0-9][\w\-]*\))?"
    rf"(?:\s+(?:of|for|on)\s+(?:[A-Z][\w&\-]*\s*){{1,6}})?)"
)
# A cue right before the name says how the person relates to it: leading it (strong), or
# belonging to it (weak).
_LAB_STRONG = re.compile(
    r"\b(?:co-?)?(?:direct|directs|directing|lead|leads|leading|head|heads|heading|run|runs|"
    r"running|founded|manage|manages|PI of|director of|co-director of|leader of|head of|"
    r"founder of|principal investigator of)\s+(?:(?:the|my|our|a|an)\s+)?", re.I)
_LAB_WEAK = re.compile(
    r"\b(?:member of|part of|affiliated with|belong to|in|at|with|within|join)\s+"
    r"(?:the|my|our)\s+", re.I)
# A lab named without a lab word: one acronym-like or CamelCase token ("HyperMatrix").
_ODD_NAME = re.compile(r"([A-Z][a-z]*[A-Z][A-Za-z0-9\-]*|[A-Z]{3,}[A-Za-z0-9\-]*)"
                       r"(?=\s*(?:$|[,.;:(]|\s(?:at|in|of|and|with)\b))")
_TEAM_NAME = re.compile(r"\b(?:research\s+)?(?:team|group|lab|laboratory)\s+"
                        r"([A-Z][a-z]*[A-Z][A-Za-z0-9\-]*|[A-Z]{3,}[A-Za-z0-9\-]*)\b")
# Sentences about the past (a PhD lab, an internship) do not name the person's lab now.
_LAB_PAST = re.compile(
    r"\b(?:was|were|received|obtained|earned|graduated|completed|previously|formerly|former|"
    r"during|advised|did my|spent|worked|visited|interned|researched|studied|alumn\w*)\b"
    r"|\(\s*(?:19|20)\d\d\s*[-–]\s*(?:19|20)\d\d\s*\)", re.I)
_GENERIC_LAB = re.compile(
    r"^(the\s+)?(my|our|this|his|her|research|a|an|lab|group|team|center|centre|institute|"
    r"chair|laboratory|reading group|the group|the lab|the team)(\s+(lab|group|team|members?))?$",
    re.I)
_LAB_SKIP = re.compile(r"(University|College|Department|School|Faculty|Google|Microsoft|Meta|"
                       r"Amazon|IBM|Institute of Technology|Research Scientist|Reading)", re.I)
# A weak cue ("in the", "member of") counts only where someone is said to be there now.
_PRESENT_SUBJECT = re.compile(r"\b(I|I'm|we|we're|he|she|they|am|is|are)\b", re.I)
_NOT_NAME_START = re.compile(r"^(join|meet|about|contact|visit|current|former|past|welcome|"
                             r"our|my|his|her|their|news|lab|group)\b", re.I)

# How much a lab name is trusted, by where it was found.
LAB_STRONG, LAB_STANDALONE, LAB_WEAK, LAB_LINK = 4, 3, 2, 1


def _clean_lab(name: str) -> str:
    name = clean_space(name).strip(" .,:;-")
    name = re.sub(r"^(?:(?:the|The|a|our|my|of|for|and|on|in|&|@|·)\s+)+", "", name)
    return name


def _plausible_lab(name: str) -> bool:
    words = name.split()
    if not words or _GENERIC_LAB.match(name) or _LAB_SKIP.search(name) \
            or _NOT_NAME_START.match(name):
        return False
    if len(words) == 1:
        return bool(re.search(r"-(?:Lab|Labs|Group)$", name))
    return any(w[:1].isupper() or w[:1].isdigit() or w[:1] == "(" for w in words[:-1])


def _lab_after(sentence: str, pos: int, odd: bool) -> str:
    """The lab name that starts at ``pos`` in ``sentence`` (``odd``: also one without a lab
    word), else ""."""
    m = _LAB_NAME.match(sentence, pos)
    if m:
        name = _clean_lab(m.group(1))
        if _plausible_lab(name):
            return name
    if odd:
        m = _ODD_NAME.match(sentence, pos)
        if m and not _LAB_SKIP.search(m.group(1)):
            return m.group(1)
    return ""


def lab_candidates_from_text(text: str) -> list[tuple[int, str]]:
    """``(trust, name)`` of labs that sentences in the present tense say the person leads
    (LAB_STRONG) or belongs to (LAB_WEAK): the name must follow the cue directly."""
    found: list[tuple[int, str]] = []
    for sentence in sentences(text):
        if _LAB_PAST.search(sentence):
            continue
        present = bool(_PRESENT_SUBJECT.search(sentence))
        for cue, trust in ((_LAB_STRONG, LAB_STRONG), (_LAB_WEAK, LAB_WEAK)):
            if trust == LAB_WEAK and not present:
                continue
            for m in cue.finditer(sentence):
                name = _lab_after(sentence, m.end(), odd=trust == LAB_STRONG)
                if name:
                    found.append((trust, name))
        if _LAB_STRONG.search(sentence) or (present and _LAB_WEAK.search(sentence)):
            for m in _TEAM_NAME.finditer(sentence):
                if not _LAB_SKIP.search(m.group(1)):
                    found.append((LAB_WEAK, m.group(1)))
    return found


def lab_from_text(text: str) -> str:
    """The most trusted lab/group name that sentences say the person leads or belongs to."""
    found = lab_candidates_from_text(text)
    return max(found, key=lambda c: c[0])[1] if found else ""


def lab_from_standalone(soup: BeautifulSoup, base_url: str) -> tuple[str, str]:
    """The title, a top heading or a paragraph whose whole text is a lab name: ``(name, url)``.
    Lower headings are left out: they head lists (grants, collaborators, past positions)."""
    for tag in soup.find_all(["title", "h1", "h2", "p"]):
        label = clean_space(tag.get_text(" "))
        if not label or len(label) > 90:
            continue
        m = _LAB_NAME.fullmatch(label)
        if not m or not _plausible_lab(_clean_lab(label)):
            continue
        link = tag.find("a", href=True)
        href = urljoin(base_url, str(link["href"])) if isinstance(link, Tag) else ""
        return _clean_lab(label), href if href.startswith(("http://", "https://")) else ""
    return "", ""


def lab_from_links(soup: BeautifulSoup, base_url: str) -> tuple[str, str]:
    """A link whose text names a lab or group: ``(name, url)``. Links in lists, navigation
    or footers and in sentences about the past are left out."""
    past: dict[int, list[str]] = {}  # block -> its sentences about the past
    for a in soup.find_all("a", href=True):
        label = clean_space(a.get_text(" "))
        if not label or len(label) > 80 or not re.search(rf"\b{LAB_WORDS}\b", label) \
                or not _plausible_lab(label) \
                or re.search(r"\b(join|members?|people|page|website|home)\b", label, re.I) \
                or a.find_parent(["li", "nav", "footer"]):
            continue
        block = a.find_parent(["p", "div", "td", "section"])
        if block is not None:
            if id(block) not in past:
                past[id(block)] = [s for s in sentences(clean_space(block.get_text(" ")))
                                   if _LAB_PAST.search(s)]
            if any(label in s for s in past[id(block)]):
                continue
        href = urljoin(base_url, str(a["href"]))
        if href.startswith(("http://", "https://")):
            return _clean_lab(label), href
    return "", ""


def _same_lab(a: str, b: str) -> bool:
    """Whether two names are one lab, one perhaps with an acronym the other leaves out."""
    a, b = (fold(re.sub(r"\([^)]*\)", " ", x)) for x in (a, b))
    a, b = clean_space(a), clean_space(b)
    return bool(a and b) and (a in b or b in a)


def lab_with_trust(soup: BeautifulSoup, text: str, base_url: str) -> tuple[str, str, int]:
    """``(lab name, lab URL, trust)``; ``("", "", 0)`` when the page names none."""
    found = lab_candidates_from_text(text)
    name, trust = (max(found, key=lambda c: c[0])[::-1] if found else ("", 0))
    alone_name, alone_url = lab_from_standalone(soup, base_url)
    link_name, link_url = lab_from_links(soup, base_url)
    if alone_name and trust < LAB_STANDALONE:
        name, trust = alone_name, LAB_STANDALONE
    if not name:
        return (link_name, link_url, LAB_LINK) if link_name else ("", "", 0)
    for other, url in ((alone_name, alone_url), (link_name, link_url)):
        if url and _same_lab(name, other):
            # The standalone or linked form is the fuller one when it adds an acronym.
            if len(other) > len(name) and "(" in other:
                name = other
            return name, url, trust
    for a in soup.find_all("a", href=True):
        if fold(clean_space(a.get_text(" "))) in fold(name) and len(a.get_text(strip=True)) > 2:
            url = urljoin(base_url, str(a["href"]))
            return name, url if url.startswith("http") else "", trust
    return name, "", trust


# ----------------------------------------------------------------------------- recruiting

_TARGETS = (r"(ph\.?\s?d\.?|doctoral|graduate|master'?s?|msc|m\.s\.|students?|post-?docs?|"
            r"post-?doctoral|interns?|internships?|research assistants?|\bRAs?\b|"
            r"visiting (students|scholars|researchers)|researchers|research (fellows|engineers)"
            r"|candidates|applicants|team members|members)")
_POSITIVE = re.compile(
    r"(looking for|seeking|recruiting|\bhiring\b|openings?|positions? (are |is )?(available|open)"
    r"|open positions?|vacanc(y|ies)|accepting|taking (on )?new|welcome (applications|"
    r"inquiries|enquiries|emails)|encourage[sd]? (you )?to (apply|contact|reach)|"
    r"(interested in|want to) (joining|join|work(ing)? with)|fully[- ]funded|"
    r"funded positions?|prospective|apply|join (my|our|the) (group|lab|team)|"
    r"always (happy|glad|looking|interested)|actively looking|multiple positions)", re.I)
_TARGET = re.compile(_TARGETS, re.I)
_NEGATIVE = re.compile(
    r"(\bnot\s+(currently\s+)?(looking|recruiting|hiring|taking|accepting|seeking|able to "
    r"(take|accept|supervise|respond))|\bno\s+(longer\s+)?(open(ings)?|positions?|vacanc|"
    r"funding|plans)|\bno longer\b|\bdo not have\b.*\b(positions?|openings?|funding)\b|"
    r"(don'?t|do not|won'?t|will not|cannot|can'?t|unable to)\s+(have|take|accept|recruit|"
    r"hire|supervise|respond|reply|answer)|\bclosed\b|\bfilled\b|\bnone at (this|the moment))",
    re.I)
_PAST = re.compile(r"\b(was|were|had been|previously|formerly)\s+(looking|recruiting|hiring)\b",
                   re.I)


def recruiting_signal(text: str) -> tuple[str, str]:
    """``("yes" | "no" | "", sentence)``: whether the page says the person is taking PhD
    students, postdocs or interns, with the sentence that says so. A negative statement
    ("not taking new students", "no openings") wins over positive ones."""
    positive = ""
    weak = ""
    negative = ""
    for sentence in sentences(text):
        if len(sentence) > 500 or not _TARGET.search(sentence):
            continue
        if _NEGATIVE.search(sentence) and (_POSITIVE.search(sentence) or re.search(
                r"\b(students?|positions?|openings?|post-?docs?|interns?)\b", sentence, re.I)):
            negative = negative or sentence
            continue
        if _PAST.search(sentence):
            continue
        if _POSITIVE.search(sentence) and not re.search(r"\?$", sentence):
            if re.search(r"\b(news|workshop|call for papers|cfp|paper|award)\b", sentence, re.I) \
                    and not re.search(r"\b(i|we|my|our)\b", sentence, re.I):
                continue
            if len(sentence.split()) >= 5:
                positive = positive or sentence
            else:  # a heading such as "Prospective students": evidence only if nothing better
                weak = weak or sentence
    if negative:
        return "no", negative
    if positive or weak:
        return "yes", positive or weak
    return "", ""


# ----------------------------------------------------------------------------- links

CANDIDATE_KEYWORDS: list[tuple[int, re.Pattern[str]]] = [
    (9, re.compile(r"(openings?|join|hiring|recruit|positions?|prospective|vacanc|"
                   r"opportunit|apply|jobs?)", re.I)),
    (7, re.compile(r"(contact)", re.I)),
    (6, re.compile(r"(group|lab\b|labs\b|team|people|members|students)", re.I)),
    (5, re.compile(r"(research|interests|projects?)", re.I)),
    (4, re.compile(r"(about|bio|home)", re.I)),
    (2, re.compile(r"(publications?|papers)", re.I)),
]
NON_HTML_SUFFIXES = (
    ".pdf", ".jpg", ".jpeg", ".png", ".gif", ".svg", ".zip", ".gz", ".tar", ".bib", ".ppt",
    ".pptx", ".doc", ".docx", ".xls", ".xlsx", ".mp4", ".mov", ".avi", ".txt", ".ps", ".tex",
    ".ics", ".xml", ".json", ".css", ".js", ".ico", ".webp", ".mp3", ".wav", ".ipynb", ".rss",
)


def _site_prefix(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    path = parts.path or "/"
    prefix = path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"
    return (parts.hostname or "").lower(), prefix


def _page_key(url: str) -> str:
    """A URL with its fragment, a trailing index file and trailing slashes removed."""
    url = urldefrag(url)[0]
    url = re.sub(r"/index\.(html?|php)$", "/", url, flags=re.I)
    return url.rstrip("/")


def anchors(source: BeautifulSoup | str) -> list[tuple[str, str]]:
    """``(href, text)`` of every link; from a soup, or quickly from HTML text with lxml."""
    if isinstance(source, BeautifulSoup):
        return [(str(a["href"]), a.get_text(" ")) for a in source.find_all("a", href=True)]
    import lxml.html
    from lxml.etree import ParserError

    try:
        doc = lxml.html.fromstring(source)
    except (ParserError, ValueError):
        return []
    return [(a.get("href") or "", a.text_content()) for a in doc.iter("a") if a.get("href")]


def candidate_links(source: BeautifulSoup | str, page_url: str, limit: int) -> list[str]:
    """Same-site links one click away that look like research, group, students, openings
    or contact pages, best first (at most ``limit``). ``source``: a soup or HTML text."""
    if limit <= 0:
        return []
    host, prefix = _site_prefix(page_url)
    here = _page_key(page_url)
    scored: dict[str, tuple[int, int]] = {}
    for order, (raw_href, text) in enumerate(anchors(source)):
        href = raw_href.strip()
        if not href or href.startswith(("mailto:", "javascript:", "tel:", "#")):
            continue
        url = urldefrag(urljoin(page_url, href))[0]
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or (parts.hostname or "").lower() != host:
            continue
        if not (parts.path or "/").startswith(prefix) and prefix != "/":
            continue
        if _page_key(url) == here or parts.path.lower().endswith(NON_HTML_SUFFIXES):
            continue
        label = f"{clean_space(text)} {parts.path.rsplit('/', 2)[-2:]}"
        score = max((w for w, rx in CANDIDATE_KEYWORDS if rx.search(label)), default=0)
        if score == 0:
            continue
        prev = scored.get(url)
        if prev is None or (-score, order) < prev:
            scored[url] = (-score, order)
    return [u for u, _ in sorted(scored.items(), key=lambda kv: kv[1])][:limit]


def profile_links(soup: BeautifulSoup, base_url: str) -> dict[str, str]:
    """Links to Google Scholar, DBLP, GitHub and a CV, when the page has them."""
    links: dict[str, str] = {}
    for a in soup.find_all("a", href=True):
        href = urljoin(base_url, str(a["href"]).strip())
        low = href.lower()
        label = clean_space(a.get_text(" ")).lower()
        host = (urlsplit(href).hostname or "").lower()
        if "scholar" not in links and "scholar.google." in host and "user=" in low:
            links["scholar"] = href
        elif "dblp" not in links and host.startswith("dblp.") and re.search(r"/(pid|pers)/", low):
            links["dblp"] = href
        elif "github" not in links and host == "github.com" and \
                re.fullmatch(r"/[A-Za-z0-9-]+/?", urlsplit(href).path or ""):
            links["github"] = href
        elif "cv" not in links and href.startswith(("http://", "https://")) and (
                re.search(r"\b(cv|vita|curriculum vitae|r[ée]sum[ée])\b", label)
                or re.search(r"(^|[/_-])(cv|vita|resume)([^a-z/][^/]*)?\.pdf$", low)):
            links["cv"] = href
    return links


# ----------------------------------------------------------------------------- pages


@dataclass
class PageFacts:
    """What one page says."""

    url: str
    emails: list[EmailCandidate] = field(default_factory=list)
    interests: str = ""
    lab_name: str = ""
    lab_url: str = ""
    lab_trust: int = 0
    recruiting: str = ""
    recruiting_evidence: str = ""
    links: dict[str, str] = field(default_factory=dict)
    candidates: list[str] = field(default_factory=list)


@dataclass
class HomepageFacts:
    """What a professor's homepage and its subpages say, merged."""

    emails: list[str] = field(default_factory=list)
    interests: str = ""
    keyphrases: list[str] = field(default_factory=list)
    lab_name: str = ""
    lab_url: str = ""
    recruiting: str = ""
    recruiting_evidence: str = ""
    links: dict[str, str] = field(default_factory=dict)


def is_contact_url(url: str) -> bool:
    return bool(re.search(r"contact|about", urlsplit(url).path, re.I))


def extract_page(html: str, url: str, name: str | None = None, *, is_homepage: bool = True,
                 max_candidates: int = 4) -> PageFacts:
    """Everything :class:`PageFacts` holds, from one page's HTML."""
    soup = parse(html)
    body = soup.body or soup
    text = block_text(body)
    page_rank = 0 if is_homepage or is_contact_url(url) else 1
    lab_name, lab_url, lab_trust = lab_with_trust(soup, text, url)
    recruiting, evidence = recruiting_signal(text)
    return PageFacts(
        url=url,
        emails=email_candidates(soup, text, name, page_rank),
        interests=interests_text(soup, text),
        lab_name=lab_name,
        lab_url=lab_url,
        lab_trust=lab_trust,
        recruiting=recruiting,
        recruiting_evidence=evidence,
        links=profile_links(soup, url),
        candidates=candidate_links(soup, url, max_candidates) if is_homepage else [],
    )


def merge_pages(pages: list[PageFacts], name: str | None = None) -> HomepageFacts:
    """One professor's facts from the homepage (first) and its subpages: the homepage wins
    for interests; the most trusted lab wins (the homepage's on a tie); any "no" statement
    wins for recruiting, else any "yes"."""
    facts = HomepageFacts()
    candidates = [c for page in pages for c in page.emails]
    facts.emails = choose_emails(candidates, name)
    for page in pages:
        if not facts.interests and page.interests:
            facts.interests = page.interests
        for key, value in page.links.items():
            facts.links.setdefault(key, value)
    labs = [page for page in pages if page.lab_name]
    if labs:
        best = max(labs, key=lambda page: page.lab_trust)  # the first of the most trusted
        facts.lab_name, facts.lab_url = best.lab_name, best.lab_url
    for wanted in ("no", "yes"):
        for page in pages:
            if page.recruiting == wanted:
                facts.recruiting, facts.recruiting_evidence = wanted, page.recruiting_evidence
                break
        if facts.recruiting:
            break
    facts.keyphrases = keyphrases(facts.interests)
    return facts
