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
from datetime import date
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

from crawler.page_scripts import rot13
from profscout.core.names import fold

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


def clean_space(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\xa0", " ")).strip()


INLINE_TAGS = ("span", "b", "i", "em", "strong", "small", "font", "u", "s", "sup", "sub")
_NOT_SHOWN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_CSS_AT_BLOCK = re.compile(r"@[\w-]+[^{};]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}")
_CLASS_SELECTOR = re.compile(r"^[a-z0-9]*\.([\w-]+)$", re.I)
_SHOWN = re.compile(r"display\s*:\s*(?!none)[\w-]+|visibility\s*:\s*visible", re.I)


def hidden_classes(soup: BeautifulSoup) -> frozenset[str]:
    """Class names that ``<style>`` blocks hide (``.x { display: none }``) and no rule shows
    again: only plain class selectors (``.x``, ``span.x``) outside ``@media`` blocks."""
    hidden: set[str] = set()
    shown: set[str] = set()
    for style in soup.find_all("style"):
        css = re.sub(r"/\*.*?\*/", "", style.get_text(), flags=re.S)
        for block in _CSS_AT_BLOCK.findall(css):  # rules that hold at some sizes only
            for m in _CSS_RULE.finditer(block.split("{", 1)[1]):
                shown.update(re.findall(r"\.([\w-]+)", m.group(1)))
        for m in _CSS_RULE.finditer(_CSS_AT_BLOCK.sub("", css)):
            names = [_CLASS_SELECTOR.match(sel.strip()) for sel in m.group(1).split(",")]
            if _NOT_SHOWN.search(m.group(2)):
                hidden.update(n.group(1) for n in names if n)
            elif _SHOWN.search(m.group(2)):
                shown.update(re.findall(r"\.([\w-]+)", m.group(1)))
    return frozenset(hidden - shown)


def strip_hidden(soup: BeautifulSoup) -> BeautifulSoup:
    """``soup`` with scripts, styles and other invisible elements removed (in place), and
    short inline decoys hidden by an inline style or by a class a ``<style>`` block hides
    (``jane<span style="display:none">null</span>@x.edu``); hidden blocks stay (sections
    a script reveals)."""
    classes = hidden_classes(soup)
    for tag in soup.find_all(HIDDEN_TAGS):
        tag.decompose()
    for tag in soup.find_all(INLINE_TAGS):
        by_class = bool(classes) and bool(classes.intersection(tag.get("class") or []))
        if not by_class and not _NOT_SHOWN.search(str(tag.get("style") or "")):
            continue
        text = tag.get_text()
        if len(text) <= 30 and not re.search(r"\s", text.strip()) and not tag.find(True):
            tag.decompose()
    return soup


def parse(html: str) -> BeautifulSoup:
    """A soup with scripts, styles and comments removed."""
    return strip_hidden(BeautifulSoup(html, "lxml"))


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

# "at" and "dot" as people spell them, in the languages faculty pages use. Bare words are
# read between address parts; words in brackets ([at] (at) {at} <at> -at- _at_) anywhere.
AT_WORDS = ("at", "arroba", "arobase", "chiocciola", "apenstaartje", "klammeraffe")
AT_WORDS_BRACKETED = (*AT_WORDS, "@", "chez", "bei", "ät")
AT_WORDS_CJK = ("艾特", "在")
DOT_WORDS = ("dot", "fullstop", "full stop", "period", "point", "punkt", "punto", "ponto",
             "punt", "pont", "kropka", "nokta")
DOT_WORDS_BRACKETED = (*DOT_WORDS, r"\.")
DOT_WORDS_CJK = ("点", "點", "句点", "點子")
_BRACKETS = (r"\[\s*{w}\s*\]", r"\(\s*{w}\s*\)", r"\{{\s*{w}\s*\}}", r"<\s*{w}\s*>",
             r"(?<![\w-])-\s*{w}\s*-(?![\w-])", r"(?<=\w)_{w}_(?=\w)")


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(w if "\\" in w else re.escape(w).replace(r"\ ", r"\s+") for w in words)


def _bracketed(words: tuple[str, ...]) -> str:
    alt = f"(?:{_alternatives(words)})"
    return r"\s*(?:" + "|".join(b.format(w=alt) for b in _BRACKETS) + r")\s*"


_BR_AT = _bracketed(AT_WORDS_BRACKETED) + "|" + r"\s*(?:" + "|".join(AT_WORDS_CJK) + r")\s*"
_BR_DOT = _bracketed(DOT_WORDS_BRACKETED) + "|" + r"\s*(?:" + "|".join(DOT_WORDS_CJK) + r")\s*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_LOCAL_PIECE = r"[A-Za-z0-9][A-Za-z0-9_+-]*"
_WORD_DOT = rf"\s+(?i:{_alternatives(DOT_WORDS)})\s+"
_WORD_AT = rf"\s+(?i:{_alternatives(AT_WORDS)})\s+"
_SPELLED_LOCAL = rf"{_LOCAL_PIECE}(?:(?:\.|{_WORD_DOT}){_LOCAL_PIECE})*"
_SPELLED = re.compile(
    rf"(?<![\w.@-])({_SPELLED_LOCAL}){_WORD_AT}({_LABEL}(?:(?:\.|{_WORD_DOT}){_LABEL})+)"
)
_SPACED = re.compile(
    rf"(?<![\w.@-])([A-Za-z0-9][A-Za-z0-9._+-]*){_WORD_AT}({_LABEL}(?:\s+{_LABEL}){{1,4}})"
)
_CONTACT_CUE = re.compile(r"(e-?mail|contact|mail)\s*(me|address)?\s*[:\-]?\s*$", re.I)
_EMAIL_CUE = re.compile(r"\be-?mail\b|\bcorreo\b|\bcourriel\b|邮箱|电子邮件|\bcontact\b", re.I)
_PLACEHOLDER = re.compile(
    r"(?:[$<{\[]\s*)?(?<![A-Za-z])(?:(?:my|your)[_-]?)?(first|last|family|given|sur)[_-]?name"
    r"(?:\s*[}>\]])?", re.I)
PLACEHOLDER_TOKENS = {
    "first": "first", "firstname": "first", "givenname": "first", "given": "first",
    "last": "last", "lastname": "last", "surname": "last", "familyname": "last",
    "family": "last", "name": "first",
}


@dataclass(frozen=True)
class EmailCandidate:
    """An address found on a page, with what the extractor knows about where it was."""

    address: str
    visible: bool  # shown in the page text (not only in a mailto: link)
    cue: bool  # next to an "Email:" label, or a mailto: link
    position: int  # order of appearance on the page
    page_rank: int  # 0 homepage or contact page, 1 other subpages
    source: str = "text"  # text, mailto, attribute, script, comment, noscript, json-ld, ...
    evidence: str = ""  # the text the address was read from (clipped)


@dataclass(frozen=True)
class EmailEvidence:
    """Something that looks like an address the extractor could not read with certainty:
    kept for a person to look at, never turned into an address."""

    reason: str
    text: str
    source: str = "text"


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
    # "x.eduPhone": inline elements touching; the address ends where the case turns
    # from lower to upper inside its last label
    head, dot, last = domain.rpartition(".")
    turn = re.search(r"(?<=[a-z])[A-Z]", last)
    if dot and turn:
        domain = f"{head}.{last[:turn.start()]}"
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


_ANTI_SPAM = re.compile(r"no[-_]?spam|remove[-_]?(this|me)?|anti[-_]?spam|spam[-_]?free|"
                        r"dont[-_]?spam|no[-_]?junk|delete[-_]?this|takethisout", re.I)


def strip_anti_spam(address: str) -> str | None:
    """An address with a word put in against harvesters ("x@NOSPAM.cs.y.edu") without it,
    when the word is a whole label of the domain; ``None`` when the word is glued to other
    characters ("xNOSPAM@...", "x@removethiscs.y.edu"): where it ends is a guess. A
    ``+nospam`` tag stays (mail to it is delivered)."""
    local, _, domain = address.partition("@")
    labels = domain.split(".")
    kept = [label for label in labels if not _ANTI_SPAM.fullmatch(label)]
    if any(_ANTI_SPAM.search(label) for label in kept) or \
            _ANTI_SPAM.search(local.split("+", 1)[0]):
        return None
    if len(kept) < 2 or not kept[-1].isalpha():
        return None
    return f"{local}@{'.'.join(kept)}"


def is_placeholder_local(local: str) -> bool:
    """Whether an address's local part is, or contains, a "firstname"/"surname" stand-in."""
    return any(t in PLACEHOLDER_TOKENS for t in re.split(r"[._-]", local.lower()) if t)


def fill_placeholder_local(local: str, name: str | None) -> str | None:
    """"name.surname" -> "luca.magri" for Luca Magri: every part of the local must be a
    stand-in ("name" only next to a surname one); ``None`` when any part is not, or the
    name is unknown, so that no half-filled address is ever made."""
    words = _name_tokens(name)
    parts = re.split(r"([._-])", local.lower())
    kinds = [PLACEHOLDER_TOKENS.get(p) for p in parts[::2]]
    if not words or len(words) < 2 or any(k is None for k in kinds):
        return None
    if "name" in parts[::2] and "last" not in kinds:
        return None
    filled = [words[0] if k == "first" else words[-1] for k in kinds]
    out = []
    for i, part in enumerate(filled):
        out.append(part)
        if 2 * i + 1 < len(parts):
            out.append(parts[2 * i + 1])
    return "".join(out)


def _canonical_placeholders(text: str) -> str:
    """"$MyFirstName@x.edu", "{firstname}.{lastname}@x" -> plain "firstname"/"lastname"
    words that the address pattern reads."""
    if "name" not in text.lower():
        return text

    def repl(m: re.Match[str]) -> str:
        after = text[m.end():m.end() + 3]
        before = text[max(0, m.start() - 1):m.start()]
        if not re.match(r"\s*(@|at\b|\[|\(|[._-])", after) and before not in ("@", ".", "_", "-"):
            return m.group(0)
        kind = m.group(1).lower()
        return "firstname" if kind in ("first", "given") else "lastname"

    return _PLACEHOLDER.sub(repl, text)


# Brackets from other scripts and typographies ("〈at〉", "⟨dot⟩", "【at】", "«at»") read as
# square ones; NFKC has already made full-width "［at］" and "（at）" plain.
_UNICODE_BRACKETS = str.maketrans(
    "\u3008\u27e8\u2039\u00ab\u300a\u3010\u3014\u3016\u2329\u27ea\u2770\u276e",
    "[[[[[[[[[[[[")
_UNICODE_BRACKETS.update(str.maketrans(
    "\u3009\u27e9\u203a\u00bb\u300b\u3011\u3015\u3017\u232a\u27eb\u2771\u276f",
    "]]]]]]]]]]]]"))
# Characters that take no room on screen, put inside addresses to break harvesters.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_SPACED_DOT = r"\s*[.\u00b7\u2022]\s*"


def _join_spaced_domain(m: re.Match[str]) -> str:
    labels = re.split(_SPACED_DOT, m.group(1))
    last = labels[-1]
    if not (last.islower() or last.isupper()) or (
            last.lower() not in TLD_WORDS and not (len(last) == 2 and last.isalpha())):
        return m.group(0)
    return "@" + ".".join(labels)


def deobfuscate(text: str) -> str:
    """Rewrite "[at]"/"(at)"/"〈at〉"/"-at-"/"[punkt]"/"艾特"/"(@)" spellings, full-width
    characters, invisible characters and "dot" words or spaced dots between address parts
    into plain address characters."""
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).translate(_UNICODE_BRACKETS)
    text = re.sub(_BR_AT, "@", text, flags=re.I)
    text = re.sub(_BR_DOT, ".", text, flags=re.I)
    # "user@ cs dot x dot edu" after the bracket rules
    text = re.sub(rf"@\s*({_LABEL}(?:{_WORD_DOT}{_LABEL})+)",
                  lambda m: "@" + re.sub(_WORD_DOT, ".", m.group(1)), text)
    # "user @ cs . x . edu", "user@cs · x · edu": a whole domain ending in a top-level label
    text = re.sub(rf"@\s*({_LABEL}(?:{_SPACED_DOT}{_LABEL})+)(?![\w.-])", _join_spaced_domain,
                  text)
    # "jane dot doe@..." : the local part's dots too, or only "doe" would be read
    text = re.sub(rf"(?<![\w.])({_LOCAL_PIECE}(?:{_WORD_DOT}{_LOCAL_PIECE})+)\s*@",
                  lambda m: re.sub(_WORD_DOT, ".", m.group(1)) + "@", text)
    text = re.sub(rf"(\w)\s*@\s*({_LABEL}\.)", r"\1@\2", text)
    return text


def _spelled_addresses(line: str) -> Iterable[tuple[int, str, str]]:
    """``user at domain dot edu`` and, next to an "Email:" cue, ``user at cs x edu``."""
    for m in _SPELLED.finditer(line):
        domain = re.sub(_WORD_DOT, ".", m.group(2))
        tld = domain.rsplit(".", 1)[-1].lower()
        if not (tld in TLD_WORDS or len(tld) == 2):
            continue
        yield m.start(), re.sub(_WORD_DOT, ".", m.group(1)), domain
    spelled_at = {m.start() for m in _SPELLED.finditer(line)}
    for m in _SPACED.finditer(line):
        if m.start() in spelled_at or not _CONTACT_CUE.search(line[:m.start()]):
            continue
        labels = m.group(2).split()
        if any(label.lower() in DOT_WORDS for label in labels):
            continue
        last = labels[-1]
        if last.lower() not in TLD_WORDS and not (len(last) == 2 and last.isalpha()):
            continue
        yield m.start(), m.group(1), ".".join(labels)


# Text right before a local part that says the local part is only the tail of what is
# written: letters spaced out ("m i r a . o k a f o r@x.edu") or a spaced dot
# ("mira . okafor@x.edu"). Such an address is never read: its head would be lost.
_CUT_LOCAL = re.compile(r"(?:(?<!\S)\w\s+){2,}$|\w\s+[._]\s+$")


def is_cut_local(head: str) -> bool:
    """Whether the text before an address's local part shows the local part was cut."""
    return bool(_CUT_LOCAL.search(head))


def addresses_in_text(text: str) -> list[tuple[int, str, str]]:
    """``(position in its line, address, line)`` of every address spelled in ``text`` (one
    block per line), de-obfuscated, in order; stand-in local parts are kept as written, and
    addresses whose local part is the tail of a spaced-out spelling are left out."""
    out: list[tuple[int, str, str]] = []
    for line in deobfuscate(_canonical_placeholders(text)).split("\n"):
        for pos, local, domain in sorted(
            [(m.start(), m.group(1), m.group(2)) for m in EMAIL_RE.finditer(line)]
            + list(_spelled_addresses(line))
        ):
            if is_cut_local(line[:pos]):
                continue
            address = _normalise_address(local, domain)
            if address:
                out.append((pos, address, line))
    return out


_AT_IMAGE = re.compile(r"(^|[/_-])(at|at-?sign|arroba|atmark|klammeraffe|@)\.(png|gif|jpe?g|svg|"
                       r"webp)$", re.I)
_DOMAIN_FULL = re.compile(rf"(?:{_LABEL}\.)+[A-Za-z]{{2,24}}")
_LOCAL_FULL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]{0,63}")


def _is_at_image(img: Tag) -> bool:
    alt = clean_space(str(img.get("alt") or img.get("title") or "")).lower()
    src = str(img.get("src") or "").split("?", 1)[0]
    return alt in ("@", "at", "[at]", "(at)", "at sign", "at-sign") or bool(_AT_IMAGE.search(src))


_AT_ICON_CLASS = re.compile(r"^(?:fa|bi|icon|glyphicon|la|mdi|ti)-at$|^at-?sign$", re.I)


def _is_at_icon(tag: Tag) -> bool:
    """An empty icon-font element drawn as "@" (``<i class="fa fa-at"></i>``)."""
    classes: list[str] = list(tag.get("class") or [])
    return not tag.get_text(strip=True) and not tag.find(True) \
        and any(_AT_ICON_CLASS.match(str(c)) for c in classes)


def join_at_images(soup: BeautifulSoup) -> list[EmailEvidence]:
    """Replace an image or an icon-font glyph shown for the "@" by an "@" when the text
    right before it is one whole local part and the text right after it starts with a
    whole domain; otherwise leave it and return evidence."""
    evidence: list[EmailEvidence] = []
    for img in soup.find_all(["img", "i", "span"]):
        if not (_is_at_image(img) if img.name == "img" else _is_at_icon(img)):
            continue
        before, after = img.previous_sibling, img.next_sibling
        left = str(before) if isinstance(before, NavigableString) else ""
        right = str(after) if isinstance(after, NavigableString) else ""
        left_words = left.replace("\xa0", " ").split()
        right_words = right.replace("\xa0", " ").split()
        local = left_words[-1] if left_words and not left[-1:].isspace() else ""
        lead = " ".join(left_words[:-1])
        domain = right_words[0].rstrip(".,;)") if right_words and not right[:1].isspace() \
            else ""
        ok = (bool(local) and bool(_LOCAL_FULL.fullmatch(local)) and bool(domain)
              and bool(_DOMAIN_FULL.fullmatch(domain))
              and (not lead or bool(re.search(r"[:：]$|e-?mail\b", lead, re.I))))
        if ok:
            img.replace_with(NavigableString("@"))
        else:
            evidence.append(EmailEvidence(
                "an image stands for the @ and the text beside it is not a whole address",
                clean_space(f"{left} [image] {right}")[:200], "image"))
    return evidence


_ADDRESS_IMAGE = re.compile(r"e-?mail|\bmail\b|\baddr(ess)?\b|contact", re.I)
_ADDRESS_IMAGE_FILE = re.compile(r"(^|[/_-])(e-?mail|mail|m?addr(ess)?|em|contact)"
                                 r"\d*\.(png|gif|jpe?g|svg|webp)$", re.I)


def address_images(soup: BeautifulSoup) -> list[EmailEvidence]:
    """Images that show the address itself (``alt="my email"``, ``email.png``, or an image
    right after an "Email:" label): nothing to read, but evidence for a person to look at."""
    evidence: list[EmailEvidence] = []
    for img in soup.find_all("img"):
        if _is_at_image(img):
            continue
        label = clean_space(str(img.get("alt") or img.get("title") or ""))
        src = str(img.get("src") or img.get("srcset") or "").split("?", 1)[0].split()[:1]
        before = img.previous_sibling
        lead = clean_space(str(before)) if isinstance(before, NavigableString) else ""
        if _ADDRESS_IMAGE.search(label) or (src and _ADDRESS_IMAGE_FILE.search(src[0])) \
                or re.search(r"e-?mail\s*[:：]$", lead, re.I):
            evidence.append(EmailEvidence(
                "the address is shown as an image", clean_space(
                    f"{lead} [image {label or (src[0] if src else '')}]")[:200], "image"))
    return evidence


_BIDI = re.compile(r"unicode-bidi\s*:\s*bidi-override", re.I)
_RTL = re.compile(r"direction\s*:\s*rtl", re.I)


def _reversed_classes(soup: BeautifulSoup) -> set[str]:
    """Class names whose CSS rule shows text right to left with bidi override."""
    names: set[str] = set()
    for style in soup.find_all("style"):
        for m in re.finditer(r"([^{}]+)\{([^}]*)\}", style.get_text()):
            if _BIDI.search(m.group(2)) and _RTL.search(m.group(2)):
                names.update(re.findall(r"\.([\w-]+)", m.group(1)))
    return names


def unreverse_bidi_text(soup: BeautifulSoup) -> None:
    """Text shown reversed by ``unicode-bidi: bidi-override; direction: rtl`` (inline or by
    class) is stored backwards in the HTML: put it the right way round."""
    classes = _reversed_classes(soup)
    for el in soup.find_all(True):
        style = str(el.get("style") or "")
        inline = bool(_BIDI.search(style) and _RTL.search(style))
        by_class = bool(classes.intersection(el.get("class") or []))
        if (inline or by_class) and not el.find(True):
            el.string = el.get_text()[::-1]


MAX_SCRIPT_CHARS = 100_000


def apply_scripts(soup: BeautifulSoup) -> list[str]:
    """Put what inline scripts write (``document.write``, writes into an element by id) into
    the soup; return every string value the scripts computed."""
    from crawler.page_scripts import rot13_functions, script_writes

    values: list[str] = []
    scripts: list[tuple[Tag, str]] = []
    for script in soup.find_all("script"):
        kind = str(script.get("type") or "").lower()
        if script.get("src") or (kind and "javascript" not in kind and kind != "module"):
            continue
        code = script.get_text()
        if len(code) <= MAX_SCRIPT_CHARS:  # longer: a bundled library, not an address
            scripts.append((script, code))
    # a ROT13 function defined in one script (often the head's) is called from others
    known = frozenset().union(*(rot13_functions(code) for _, code in scripts))
    for script, code in scripts:
        writes = script_writes(code, known)
        values.extend(writes.values)
        for html in writes.document:
            fragment = BeautifulSoup(html, "html.parser")
            for node in list(fragment.contents):
                script.insert_before(node)
        for element_id, value in writes.by_id.items():
            target = soup.find(id=element_id)
            if isinstance(target, Tag):
                target.clear()
                for node in list(BeautifulSoup(value, "html.parser").contents):
                    target.append(node)
    return values


@dataclass
class HiddenText:
    """Text a reader does not see but that holds addresses: ``(source, text)`` pairs and
    what could not be read."""

    texts: list[tuple[str, str]] = field(default_factory=list)
    evidence: list[EmailEvidence] = field(default_factory=list)


def _json_emails(value: object) -> Iterable[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key.lower() == "email" and isinstance(item, str):
                yield item
            elif key.lower() == "email" and isinstance(item, list):
                yield from (i for i in item if isinstance(i, str))
            else:
                yield from _json_emails(item)
    elif isinstance(value, list):
        for item in value:
            yield from _json_emails(item)


def hidden_texts(soup: BeautifulSoup, script_values: list[str]) -> HiddenText:
    """Comments, ``<noscript>``, JSON-LD ``email`` fields, ``data-*`` attributes and script
    string values: where pages keep addresses out of the visible text."""
    import json

    found = HiddenText()
    for comment in soup.find_all(string=lambda s: isinstance(s, Comment)):
        found.texts.append(("comment", str(comment)))
    for tag in soup.find_all("noscript"):
        found.texts.append(("noscript", tag.get_text("\n")))
    for tag in soup.find_all("script", type=re.compile("ld\\+json", re.I)):
        try:
            data = json.loads(tag.get_text())
        except ValueError:
            continue
        for value in _json_emails(data):
            found.texts.append(("json-ld", value.removeprefix("mailto:")))
    for el in soup.find_all(True):
        attrs = {k.lower(): str(v) for k, v in el.attrs.items() if isinstance(v, str)}
        for key, value in attrs.items():
            if key.startswith("data-") and key != "data-cfemail" and "@" in deobfuscate(value):
                found.texts.append(("attribute", value))
        user = next((attrs[k] for k in ("data-user", "data-name", "data-local",
                                        "data-username") if k in attrs), "")
        domain = next((attrs[k] for k in ("data-domain", "data-host", "data-site")
                       if k in attrs), "")
        if user and domain:
            found.texts.append(("attribute", f"{user}@{domain}"))
    readable = False
    for value in script_values:
        if value[:7].lower() == "znvygb:":  # a ROT13 "mailto:" the script decodes later
            value = rot13(value)
        if "@" in value:
            found.texts.append(("script", value.removeprefix("mailto:")))
            readable = readable or bool(EMAIL_RE.search(value))
    for script in soup.find_all("script"):
        code = script.get_text()
        if not readable and re.search(r"mailto|znvygb|['\"]@['\"]", code):
            found.evidence.append(EmailEvidence(
                "a script builds an address in a way this reader does not evaluate",
                clean_space(code)[:200], "script"))
            break
    for a in soup.find_all("a", href=re.compile("mailhide|recaptcha", re.I)):
        found.evidence.append(EmailEvidence("the address is behind a captcha",
                                            str(a["href"])[:200], "captcha"))
    return found


def email_candidates(soup: BeautifulSoup, text: str, name: str | None = None,
                     page_rank: int = 0, hidden: HiddenText | None = None,
                     evidence: list[EmailEvidence] | None = None) -> list[EmailCandidate]:
    """Every readable address on a page, in page order; generic and demo ones left out.
    Addresses with a stand-in local part ("firstname.lastname") are filled in from
    ``name`` when every part is a stand-in, else left out and noted in ``evidence``."""
    found: list[EmailCandidate] = []
    seen: set[str] = set()
    notes = evidence if evidence is not None else []

    def add(address: str | None, visible: bool, cue: bool, source: str, line: str) -> None:
        if not address:
            return
        if _ANTI_SPAM.search(address):
            cleaned = strip_anti_spam(address)
            if cleaned is None:
                notes.append(EmailEvidence(
                    "the address carries a word against harvesters that cannot be taken out "
                    "with certainty", clean_space(line)[:200], source))
                return
            address = cleaned
        local, _, domain = address.partition("@")
        if is_placeholder_local(local) and not is_generic_address(f"x@{domain}"):
            filled = fill_placeholder_local(local, name)
            if filled is None:
                notes.append(EmailEvidence(
                    "the address is written with a stand-in for the name",
                    clean_space(line)[:200], source))
                return
            address = f"{filled}@{domain}"
        if not is_generic_address(address) and address not in seen:
            seen.add(address)
            found.append(EmailCandidate(address, visible, cue, len(found), page_rank, source,
                                        clean_space(line)[:200]))

    read_lines: set[str] = set()
    for pos, address, line in addresses_in_text(text):
        head = line[:pos]
        cue = bool(_CONTACT_CUE.search(head) or re.search(r"e-?mail", head, re.I)
                   or _EMAIL_CUE.search(head))
        add(address, True, cue, "text", line)
        read_lines.add(line)
    for line in deobfuscate(text).split("\n"):
        if len(line) < 200 and line not in read_lines and _EMAIL_CUE.search(line) \
                and re.search(rf"{_WORD_AT}\S+({_WORD_DOT}|\.)|\w@\s|\S@\S", line, re.I):
            notes.append(EmailEvidence("an address-like spelling this reader cannot read "
                                       "with certainty", clean_space(line)[:200]))
    for el in soup.find_all(True, attrs={"data-cfemail": True}):
        add(decode_cfemail(str(el["data-cfemail"])), True, True, "cloudflare",
            str(el["data-cfemail"]))
    for a in soup.find_all("a", href=True):
        href = str(a["href"]).strip()
        if "/cdn-cgi/l/email-protection#" in href:
            add(decode_cfemail(href.rsplit("#", 1)[1]), True, True, "cloudflare", href)
            continue
        low = href.lower()
        if low.startswith("znvygb:"):
            href, low = rot13(href), rot13(href).lower()
        if not low.startswith("mailto:"):
            continue
        target = unquote(href[7:]).split("?", 1)[0]
        for _, address, _ in addresses_in_text(re.sub(r"[,;]", "\n", target)):
            add(address, False, True, "mailto", href)
    for source, hidden_text in (hidden.texts if hidden else []):
        for _, address, line in addresses_in_text(hidden_text):
            add(address, False, source in ("json-ld", "script", "attribute"), source, line)
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


def _registrable(host: str) -> str:
    """The last two labels of a host, three under a two-letter second level ("ac.uk")."""
    labels = host.lower().strip(".").split(".")
    keep = 3 if len(labels) >= 3 and (labels[-2] in ("ac", "edu", "co", "gov", "org")
                                      and len(labels[-1]) == 2) else 2
    return ".".join(labels[-keep:])


def institution_tier(domain: str, page_host: str = "") -> int:
    """2: the homepage's own institution or an academic domain (.edu, .ac.*, .edu.*);
    1: another organisation; 0: a free mail service."""
    domain = domain.lower()
    if domain in FREE_MAIL:
        return 0
    if page_host and _registrable(domain) == _registrable(page_host) \
            and not page_host.endswith(("github.io", "gitlab.io", "google.com")):
        return 2
    labels = domain.split(".")
    if labels[-1] == "edu" or "edu" in labels[:-1] or "ac" in labels[:-1]:
        return 2
    return 1


def rank_emails(candidates: list[EmailCandidate], name: str | None,
                page_host: str = "") -> list[str]:
    """Addresses most likely the person's own first: name match, an institutional domain
    over other organisations over free mail, shown in text, next to an "Email" cue, the
    homepage, then page order.

    Subpage addresses that do not match the name (students, co-authors) are dropped.
    """
    best: dict[str, tuple] = {}
    for c in candidates:
        match = name_match(c.address, name)
        if c.page_rank > 0 and match == 0:
            continue
        domain = c.address.split("@", 1)[1]
        key = (-(match > 0), -institution_tier(domain, page_host), -c.visible, -c.cue,
               -match, c.page_rank, c.position)
        if c.address not in best or key < best[c.address]:
            best[c.address] = key
    return sorted(best, key=best.__getitem__)


def choose_emails(candidates: list[EmailCandidate], name: str | None, limit: int = 1,
                  page_host: str = "") -> list[str]:
    """The person's own address(es): the best ``limit`` of :func:`rank_emails`."""
    return rank_emails(candidates, name, page_host)[:limit]


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
    r"\byou(['’]d| would| wish to)( like to)? (join|work (with|in|on))\b|"
    r"\b(i|we) (\w+ly )?(recruit|hire|admit)\b|"
    r"funded positions?|prospective|apply|join (my|our|the) (group|lab|team)|"
    r"always (happy|glad|looking|interested)|actively looking|multiple positions|"
    r"open ([\w.-]+ ){1,3}positions?|(several|multiple|two|three|four|new|some) ([\w.-]+ ){0,2}"
    r"(positions|openings)|(will|plan(ning)? to|going to|intend to|aim to|hope to) (hire|recruit|"
    r"take on|admit)|\bhire\b)", re.I)
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
_YEAR = re.compile(r"(?<![\d/.-])(19[89]\d|20\d\d)(?![\d/])")
_DATING_BEFORE = re.compile(
    r"(?:\b(?:fall|spring|summer|winter|autumn|jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?"
    r"|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
    r"|in|for|from|starting|start|by|until|before)\.?\s+(?:the\s+)?"
    r"(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?)$", re.I)
_DATING_AFTER = re.compile(
    r"\s*(?:[-/–]\s*(\d{4}|\d{2})\b|:|(?:academic|admission|intake|cycle|entry)\b)", re.I)


def is_dated_before(sentence: str, as_of: date | None) -> bool:
    """Whether the latest year dating a sentence ("starting in Fall 2018", "for the
    2019-2020 academic year", "2019: ...") is before the year of ``as_of``; ``False``
    without such a year or without ``as_of``. Other years ("since 2015", "our 2023 paper")
    do not date the statement."""
    if as_of is None:
        return False
    years: list[int] = []
    for m in _YEAR.finditer(sentence):
        after = _DATING_AFTER.match(sentence, m.end())
        if after and after.group(1):  # "2019-2020", "2019/20": the year it ends
            end = after.group(1)
            years.append(int(end) if len(end) == 4 else int(m.group(1)[:2] + end))
        elif after or _DATING_BEFORE.search(sentence[max(0, m.start() - 30):m.start()]) \
                or not re.search(r"\w", sentence[:m.start()]):
            years.append(int(m.group(1)))
    return bool(years) and max(years) < as_of.year


# Whom a statement is about, when it names them: a "no" about interns says nothing about
# PhD students. A statement that names none of these is about everyone ("any").
RECRUITING_KINDS: dict[str, re.Pattern[str]] = {
    "phd": re.compile(r"\bph\.?\s?d\b|\bdoctoral\b|\bdoctorate\b|\b(post)?graduate\b|"
                      r"\bgrad students?\b|\bmaster'?s\b|\bm\.?sc\b|\bm\.s\.", re.I),
    "postdoc": re.compile(r"\bpost-?docs?\b|\bpost-?doctoral\b|\bresearch fellows?\b", re.I),
    "intern": re.compile(r"\binterns?\b|\binternships?\b|\bunder-?grad(uate)?s?\b|"
                         r"\bvisiting (students?|scholars?|researchers?)\b|"
                         r"\bsummer students?\b", re.I),
}


@dataclass(frozen=True)
class RecruitingStatement:
    """One sentence about taking people on: ``verdict`` "yes", "weak" (a heading such as
    "Prospective students") or "no"; ``kinds`` whom it is about (see
    :data:`RECRUITING_KINDS`, "any" when it names none)."""

    verdict: str
    sentence: str
    kinds: frozenset[str]


def recruiting_kinds(sentence: str) -> frozenset[str]:
    """Whom a recruiting sentence is about: PhD students, postdocs, interns, else "any"."""
    kinds = frozenset(k for k, rx in RECRUITING_KINDS.items() if rx.search(sentence))
    return kinds or frozenset({"any"})


def recruiting_statements(text: str, as_of: date | None = None) -> list[RecruitingStatement]:
    """Every sentence of ``text`` that says whether the person takes PhD students, postdocs
    or interns, in page order; statements dated before the year of ``as_of`` ("openings for
    Fall 2018") and statements about the past are left out."""
    found: list[RecruitingStatement] = []
    for sentence in sentences(text):
        if len(sentence) > 500 or not _TARGET.search(sentence):
            continue
        if is_dated_before(sentence, as_of):
            continue
        if _NEGATIVE.search(sentence) and (_POSITIVE.search(sentence) or re.search(
                r"\b(students?|positions?|openings?|post-?docs?|interns?)\b", sentence, re.I)):
            found.append(RecruitingStatement("no", sentence, recruiting_kinds(sentence)))
            continue
        if _PAST.search(sentence):
            continue
        if _POSITIVE.search(sentence) and not re.search(r"\?$", sentence):
            if re.search(r"\b(news|workshop|call for papers|cfp|paper|award)\b", sentence, re.I) \
                    and not re.search(r"\b(i|we|my|our)\b", sentence, re.I):
                continue
            # a heading such as "Prospective students": evidence only if nothing better
            verdict = "yes" if len(sentence.split()) >= 5 else "weak"
            found.append(RecruitingStatement(verdict, sentence, recruiting_kinds(sentence)))
    return found


def judge_recruiting(statements: Iterable[RecruitingStatement]) -> tuple[str, str]:
    """``("yes" | "no" | "", sentence)`` from a person's statements. A "no" wins over every
    "yes" about the same people or about anyone; a "yes" that names people no "no" names
    ("PhD students" beside "we do not take interns") stands."""
    statements = list(statements)
    negated = frozenset().union(*(s.kinds for s in statements if s.verdict == "no"))

    def stands(s: RecruitingStatement) -> bool:
        if not negated:
            return True
        return "any" not in negated and "any" not in s.kinds and not s.kinds <= negated

    for verdict in ("yes", "weak"):
        for s in statements:
            if s.verdict == verdict and stands(s):
                return "yes", s.sentence
    for s in statements:
        if s.verdict == "no":
            return "no", s.sentence
    return "", ""


def recruiting_signal(text: str, as_of: date | None = None) -> tuple[str, str]:
    """``("yes" | "no" | "", sentence)``: whether the page says the person is taking PhD
    students, postdocs or interns, with the sentence that says so (see
    :func:`recruiting_statements` and :func:`judge_recruiting`)."""
    return judge_recruiting(recruiting_statements(text, as_of))


# ----------------------------------------------------------------------------- links

OPENINGS_SCORE = 9
CANDIDATE_KEYWORDS: list[tuple[int, re.Pattern[str]]] = [
    (OPENINGS_SCORE, re.compile(r"(openings?|join|hiring|recruit|positions?|prospective|vacanc|"
                                r"opportunit|apply|jobs?|work(ing)?[ _-]with[ _-](me|us)|"
                                r"admissions?|careers?|\bwanted\b)", re.I)),
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


_COMMENT = re.compile(r"<!--(.*?)-->", re.S)
_COMMENT_ANCHOR = re.compile(r"""<a\s[^>]*?href\s*=\s*["']([^"']+)["'][^>]*>(.*?)</a>""",
                             re.S | re.I)


def commented_anchors(source: BeautifulSoup | str) -> list[tuple[str, str]]:
    """``(href, text)`` of links inside HTML comments (sections a theme left commented out,
    which often still point to the openings page)."""
    if isinstance(source, BeautifulSoup):
        comments = [str(c) for c in source.find_all(string=lambda s: isinstance(s, Comment))]
    else:
        comments = _COMMENT.findall(source)
    return [(href, re.sub(r"<[^>]+>", " ", text)) for comment in comments
            for href, text in _COMMENT_ANCHOR.findall(comment)]


def candidate_links(source: BeautifulSoup | str, page_url: str, limit: int) -> list[str]:
    """Same-site links one click away that look like research, group, students, openings
    or contact pages, best first (at most ``limit``). ``source``: a soup or HTML text."""
    if limit <= 0:
        return []
    host, prefix = _site_prefix(page_url)
    here = _page_key(page_url)
    scored: dict[str, tuple[int, int]] = {}
    visible = anchors(source)
    # Links in comments count only for openings pages, after every visible link.
    hidden = [(h, t, True) for h, t in commented_anchors(source)]
    for order, (raw_href, text, commented) in enumerate(
            [(h, t, False) for h, t in visible] + hidden):
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
        if commented:
            score = 1 if score == OPENINGS_SCORE else 0
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
    """What one page says. ``email_evidence``: address-like text that could not be read
    with certainty (never turned into an address)."""

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
    email_evidence: list[EmailEvidence] = field(default_factory=list)
    recruiting_statements: list[RecruitingStatement] = field(default_factory=list)
    listed_titles: list[str] = field(default_factory=list)  # publications the page lists
    listed_arxiv_ids: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class EmailFound:
    """One of the person's addresses, where it was read and from what."""

    address: str
    url: str
    source: str  # text, mailto, cloudflare, attribute, script, comment, noscript, json-ld
    evidence: str
    institutional: bool  # the homepage's institution or an academic domain


@dataclass(frozen=True)
class EmailDoubt:
    """Address-like text on a page that was not read with certainty, for a person to see."""

    url: str
    reason: str
    text: str
    source: str


@dataclass
class HomepageFacts:
    """What a professor's homepage and its subpages say, merged.

    ``emails`` holds the chosen address (the institutional one first); ``email_records``
    every address of the person, best first, with where it was read; ``email_doubts`` what
    looked like an address but could not be read with certainty."""

    emails: list[str] = field(default_factory=list)
    interests: str = ""
    keyphrases: list[str] = field(default_factory=list)
    lab_name: str = ""
    lab_url: str = ""
    recruiting: str = ""
    recruiting_evidence: str = ""
    links: dict[str, str] = field(default_factory=dict)
    email_records: list[EmailFound] = field(default_factory=list)
    email_doubts: list[EmailDoubt] = field(default_factory=list)


def is_contact_url(url: str) -> bool:
    return bool(re.search(r"contact|about", urlsplit(url).path, re.I))


def extract_page(html: str, url: str, name: str | None = None, *, is_homepage: bool = True,
                 max_candidates: int = 4, as_of: date | None = None) -> PageFacts:
    """Everything :class:`PageFacts` holds, from one page's HTML. ``as_of``: the date the
    page is read as of (recruiting statements about earlier years do not count)."""
    soup = BeautifulSoup(html, "lxml")
    script_values = apply_scripts(soup)
    hidden = hidden_texts(soup, script_values)
    unreverse_bidi_text(soup)
    strip_hidden(soup)
    evidence = join_at_images(soup) + address_images(soup) + hidden.evidence
    body = soup.body or soup
    text = block_text(body)
    page_rank = 0 if is_homepage or is_contact_url(url) else 1
    lab_name, lab_url, lab_trust = lab_with_trust(soup, text, url)
    statements = recruiting_statements(text, as_of)
    recruiting, recruiting_evidence = judge_recruiting(statements)
    emails = email_candidates(soup, text, name, page_rank, hidden, evidence)
    return PageFacts(
        url=url,
        emails=emails,
        interests=interests_text(soup, text),
        lab_name=lab_name,
        lab_url=lab_url,
        lab_trust=lab_trust,
        recruiting=recruiting,
        recruiting_evidence=recruiting_evidence,
        recruiting_statements=statements,
        links=profile_links(soup, url),
        candidates=candidate_links(soup, url, max_candidates) if is_homepage else [],
        email_evidence=[] if emails and any(c.cue for c in emails) else evidence,
    )


def merge_pages(pages: list[PageFacts], name: str | None = None) -> HomepageFacts:
    """One professor's facts from the homepage (first) and its subpages: the homepage wins
    for interests; the most trusted lab wins (the homepage's on a tie); recruiting is judged
    over every page's statements (:func:`judge_recruiting`: a "no" wins over a "yes" about
    the same people or anyone)."""
    facts = HomepageFacts()
    host = (urlsplit(pages[0].url).hostname or "") if pages else ""
    candidates = [c for page in pages for c in page.emails]
    ranked = rank_emails(candidates, name, host)
    first_seen: dict[str, tuple[str, EmailCandidate]] = {}
    for page in pages:
        for c in page.emails:
            first_seen.setdefault(c.address, (page.url, c))
    # Commented-out addresses are kept as records but never chosen: readers do not see
    # them and they are often ones the person no longer uses.
    shown = {c.address for c in candidates if c.source != "comment"}
    facts.emails = [a for a in ranked if a in shown][:1]
    facts.email_records = [
        EmailFound(a, first_seen[a][0], first_seen[a][1].source, first_seen[a][1].evidence,
                   institution_tier(a.split("@", 1)[1], host) == 2) for a in ranked]
    if not ranked:
        facts.email_doubts = [EmailDoubt(page.url, e.reason, e.text, e.source)
                              for page in pages for e in page.email_evidence]
    for page in pages:
        if not facts.interests and page.interests:
            facts.interests = page.interests
        for key, value in page.links.items():
            facts.links.setdefault(key, value)
    labs = [page for page in pages if page.lab_name]
    if labs:
        best = max(labs, key=lambda page: page.lab_trust)  # the first of the most trusted
        facts.lab_name, facts.lab_url = best.lab_name, best.lab_url
    facts.recruiting, facts.recruiting_evidence = judge_recruiting(
        s for page in pages for s in page.recruiting_statements or (
            [RecruitingStatement(page.recruiting, page.recruiting_evidence, frozenset({"any"}))]
            if page.recruiting else []))
    facts.keyphrases = keyphrases(facts.interests)
    return facts
