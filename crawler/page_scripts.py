"""What a page's inline JavaScript writes, read without running it.

Pages hide addresses from harvesters by building them in script: string concatenation,
``String.fromCharCode``, ``atob``, ``decodeURIComponent``/``unescape``,
``"...".split("").reverse().join("")``, ROT13 (a function of the page's own, or a
``.replace(/[a-zA-Z]/g, ...)`` callback, recognised by its shape), ``document.write`` and
writes into an element (``el.textContent = ...``, ``$("#id").html(...)``). This module
evaluates only string expressions made of literals, known variables and those calls; any
other expression is unknown and yields nothing (never a partial string).

Pure: text in, plain data out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<str>'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`(?:[^`\\$]|\\.)*`)
      | (?P<num>0x[0-9a-fA-F]+|\d+)
      | (?P<name>[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*)
      | (?P<op>[+(),\[\]])
    )""",
    re.X,
)
_ESCAPE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|.)", re.S)
_ASSIGN = re.compile(r"(?:\b(?:var|let|const)\s+)?\b([A-Za-z_$][\w$]*)\s*=(?!=)\s*")
_ELEMENT = re.compile(
    r"""(?:\b(?:var|let|const)\s+)?\b([A-Za-z_$][\w$]*)\s*=\s*document\.(?:getElementById\(\s*
    ['"]([^'"]+)['"]\s*\)|querySelector\(\s*['"]\#([^'"]+)['"]\s*\))""", re.X)
_PROPERTY_WRITE = re.compile(
    r"""(?:document\.getElementById\(\s*['"]([^'"]+)['"]\s*\)|([A-Za-z_$][\w$]*))
    \.(innerHTML|textContent|innerText|href)\s*=(?!=)\s*""", re.X)
_JQUERY_WRITE = re.compile(r"""\$\(\s*['"]#([\w-]+)['"]\s*\)\.(html|text|attr)\(\s*""")
_DOCUMENT_WRITE = re.compile(r"\bdocument\.write(?:ln)?\(\s*")


def _unescape(literal: str) -> str:
    body = literal[1:-1]

    def repl(m: re.Match[str]) -> str:
        code = m.group(1)
        if code[0] in "xu" and len(code) > 1:
            return chr(int(code[1:], 16))
        return {"n": "\n", "t": "\t"}.get(code, code)

    return _ESCAPE.sub(repl, body)


class _Unknown(Exception):
    """The expression uses something this reader does not evaluate."""


def _decode_call(function: str, argument: str) -> str:
    """``atob`` (base64) and the percent-decoding functions, on a known string."""
    import base64
    import binascii
    from urllib.parse import unquote

    if function.endswith("atob"):
        try:
            return base64.b64decode(argument, validate=True).decode("latin-1")
        except (binascii.Error, ValueError) as exc:
            raise _Unknown from exc
    return unquote(argument)


def _tokens(source: str, start: int) -> list[tuple[str, str, int]]:
    """Tokens of one expression from ``start`` up to its end (``;``, a newline at depth 0,
    or an unmatched closing parenthesis)."""
    out: list[tuple[str, str, int]] = []
    pos, depth = start, 0
    while pos < len(source):
        while pos < len(source) and source[pos] in " \t\r":
            pos += 1
        if pos >= len(source) or source[pos] in ";}" or (source[pos] == "\n" and depth == 0
                                                         and (not out or out[-1][1] != "+")):
            break
        if source[pos] == "\n":
            pos += 1
            continue
        m = _TOKEN.match(source, pos)
        if not m or m.end() == pos:
            break
        kind = m.lastgroup or ""
        value = m.group(kind)
        if value == "(" or value == "[":
            depth += 1
        elif value in ")]":
            if depth == 0:
                break
            depth -= 1
        elif value == "," and depth == 0:
            break
        out.append((kind, value, m.end()))
        pos = m.end()
    return out


def rot13(text: str) -> str:
    """ROT13 of ASCII letters."""
    return text.translate(str.maketrans(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        "NOPQRSTUVWXYZABCDEFGHIJKLMnopqrstuvwxyzabcdefghijklm"))


def is_rot13_code(code: str) -> bool:
    """Whether a function body has the shape of ROT13: letter codes shifted by 13 and
    wrapped by 26 (``fromCharCode(... charCodeAt(0) + 13 ... - 26)``, ``(i + 13) % 26``),
    or an alphabet mapped onto itself rotated by 13."""
    if "abcdefghijklmnopqrstuvwxyz" in code.lower() and \
            "nopqrstuvwxyzabcdefghijklm" in code.lower():
        return True
    return bool(re.search(r"(?<![\w.])13(?![\w.])", code)
                and re.search(r"(?<![\w.])(26|90|122)(?![\w.])", code)
                and re.search(r"charCodeAt|indexOf|charAt", code))


def _balanced_end(source: str, pos: int) -> int | None:
    """Index just past the bracket that closes the one at ``source[pos]``; string literals
    are skipped. ``None`` when it never closes."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    stack: list[str] = []
    i = pos
    while i < len(source):
        ch = source[i]
        if ch in "'\"`":
            end = i + 1
            while end < len(source) and source[end] != ch:
                end += 2 if source[end] == "\\" else 1
            i = end + 1
            continue
        if ch in pairs:
            stack.append(pairs[ch])
        elif stack and ch == stack[-1]:
            stack.pop()
            if not stack:
                return i + 1
        i += 1
    return None


_FUNCTION_DECL = re.compile(
    r"""\bfunction\s+([A-Za-z_$][\w$]*)\s*\(\s*[A-Za-z_$][\w$]*\s*\)\s*(?=\{)
    |\b(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:function\s*[\w$]*\s*\(\s*[A-Za-z_$][\w$]*
    \s*\)\s*(?=\{)|(?:\(\s*[A-Za-z_$][\w$]*\s*\)|[A-Za-z_$][\w$]*)\s*=>\s*)""", re.X)


def rot13_functions(source: str) -> set[str]:
    """Names of the one-argument functions a script defines whose body is ROT13."""
    names: set[str] = set()
    for m in _FUNCTION_DECL.finditer(source):
        name = m.group(1) or m.group(2)
        start = m.end()
        if source[start:start + 1] == "{":
            end = _balanced_end(source, start)
        else:  # an arrow function's expression body: up to the end of its statement
            stop = re.compile(r"[;\n]").search(source, start)
            end = stop.start() if stop else len(source)
            inner = re.compile(r"\(").search(source, start, end)
            while inner:  # a call spanning lines: its closing bracket
                close = _balanced_end(source, inner.start())
                if close is None:
                    break
                end = max(end, close)
                inner = re.compile(r"\(").search(source, close, end)
        if end is not None and is_rot13_code(source[start:end]):
            names.add(name)
    return names


_REPLACE_CALLBACK = re.compile(
    r"""\.replace\(\s*/\[(?:a-zA-Z|A-Za-z|a-z|A-Z)\]/[gi]{1,2}\s*,\s*""")


def _fold_rot13_replaces(source: str) -> str:
    """Rewrite ``'znvygb:...'.replace(/[a-zA-Z]/g, function (c) {...})`` whose callback is
    ROT13 into the plain literal it makes."""
    if ".replace(" not in source:
        return source
    out: list[str] = []
    last = 0
    for m in _REPLACE_CALLBACK.finditer(source):
        call_end = _balanced_end(source, m.start() + len(".replace"))
        start = _literal_before(source, m.start())
        if call_end is None or start is None or start < last \
                or not is_rot13_code(source[m.end():call_end]):
            continue
        value = rot13(_unescape(source[start:m.start()]))
        out.append(source[last:start])
        out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        last = call_end
    out.append(source[last:])
    return "".join(out)


class _Parser:
    """Recursive descent over ``expr := term ('+' term)*``."""

    def __init__(self, tokens: list[tuple[str, str, int]], variables: dict[str, str],
                 functions: dict[str, Callable[[str], str]] | None = None) -> None:
        self.tokens, self.variables, self.i = tokens, variables, 0
        self.functions = functions or {}

    def peek(self) -> str:
        return self.tokens[self.i][1] if self.i < len(self.tokens) else ""

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.tokens):
            raise _Unknown
        kind, value, _ = self.tokens[self.i]
        if expected is not None and value != expected:
            raise _Unknown
        self.i += 1
        return kind, value

    def expression(self) -> str:
        value = self.term()
        while self.peek() == "+":
            self.take("+")
            value += self.term()
        return value

    def term(self) -> str:
        kind, value = self.take()
        if kind == "str":
            if value.startswith("`") and "${" in value:
                raise _Unknown
            result = _unescape(value)
        elif kind == "num":
            result = str(int(value, 0))
        elif value == "(":
            result = self.expression()
            self.take(")")
        elif value == "String.fromCharCode":
            self.take("(")
            codes = [self.number()]
            while self.peek() == ",":
                self.take(",")
                codes.append(self.number())
            self.take(")")
            result = "".join(chr(c) for c in codes)
        elif value in ("atob", "window.atob", "decodeURIComponent", "unescape",
                       "decodeURI"):
            self.take("(")
            argument = self.expression()
            self.take(")")
            result = _decode_call(value, argument)
        elif kind == "name" and value in self.functions and self.peek() == "(":
            self.take("(")
            argument = self.expression()
            self.take(")")
            result = self.functions[value](argument)
        elif kind == "name" and value in self.variables:
            result = self.variables[value]
        elif kind == "name" and "." in value:
            base, _, method = value.partition(".")
            if base not in self.variables:
                raise _Unknown
            result = apply_chain(self.variables[base], "." + method)
        else:
            raise _Unknown
        return result

    def number(self) -> int:
        kind, value = self.take()
        if kind != "num":
            raise _Unknown
        return int(value, 0)


_CHAIN = re.compile(
    r"""\.(?:split\(\s*(?:''|"")\s*\)\.reverse\(\)\.join\(\s*(?:''|"")\s*\)
    |toLowerCase\(\)|trim\(\))""", re.X)


def apply_chain(value: str, chain: str) -> str:
    """Apply ``.split('').reverse().join('')``, ``.toLowerCase()`` and ``.trim()``; any
    other method is unknown."""
    pos = 0
    while pos < len(chain):
        m = _CHAIN.match(chain, pos)
        if not m:
            raise _Unknown
        step = m.group(0)
        if "reverse" in step:
            value = value[::-1]
        elif "toLowerCase" in step:
            value = value.lower()
        else:
            value = value.strip()
        pos = m.end()
    return value


_CHAIN_RUN = re.compile(
    r"""(?:\.(?:split\(\s*(?:''|"")\s*\)\.reverse\(\)\.join\(\s*(?:''|"")\s*\)
    |toLowerCase\(\)|trim\(\)))+""", re.X)


def _literal_before(source: str, end: int) -> int | None:
    """Start of the string literal that closes just before ``end`` (on one line)."""
    quote = source[end - 1:end]
    if quote not in ("'", '"'):
        return None
    pos = end - 1
    line_start = source.rfind("\n", 0, pos) + 1
    while True:
        pos = source.rfind(quote, line_start, pos)
        if pos < 0:
            return None
        backslashes = len(source[line_start:pos]) - len(source[line_start:pos].rstrip("\\"))
        if backslashes % 2 == 0:
            return pos


def _fold_chains(source: str) -> str:
    """Rewrite ``'ude.x'.split('').reverse().join('')`` into the plain literal it makes."""
    if ".reverse()" not in source and "toLowerCase()" not in source and ".trim()" not in source:
        return source
    out: list[str] = []
    last = 0
    for m in _CHAIN_RUN.finditer(source):
        start = _literal_before(source, m.start())
        if start is None or start < last:
            continue
        try:
            value = apply_chain(_unescape(source[start:m.start()]), re.sub(r"\s+", "", m.group(0)))
        except _Unknown:
            continue
        out.append(source[last:start])
        out.append('"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"')
        last = m.end()
    out.append(source[last:])
    return "".join(out)


def evaluate(source: str, start: int, variables: dict[str, str],
             functions: dict[str, Callable[[str], str]] | None = None) -> str | None:
    """The string the expression at ``source[start:]`` makes, or ``None`` when unknown;
    ``functions``: one-argument string functions the script defines and this reader knows."""
    tokens = _tokens(source, start)
    if not tokens:
        return None
    parser = _Parser(tokens, variables, functions)
    try:
        value = parser.expression()
    except (_Unknown, ValueError, OverflowError):
        return None
    return value if parser.i == len(tokens) else None


@dataclass(frozen=True)
class ScriptWrites:
    """What a script produces: ``document.write`` output, text or ``href`` written into
    elements by id, and every string value it computed (for addresses kept in variables)."""

    document: list[str]
    by_id: dict[str, str]
    values: list[str]


_QUOTE_OR_COMMENT = re.compile(r"""['"`]|//|/\*""")


def literal_spans(source: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every string literal and comment in a script, in order."""
    spans: list[tuple[int, int]] = []
    pos = 0
    while (m := _QUOTE_OR_COMMENT.search(source, pos)) is not None:
        start, token = m.start(), m.group(0)
        if token == "//":
            end = source.find("\n", start)
            end = len(source) if end < 0 else end
        elif token == "/*":
            end = source.find("*/", start + 2)
            end = len(source) if end < 0 else end + 2
        else:
            end = start + 1
            while end < len(source) and source[end] != token and not (
                    token != "`" and source[end] == "\n"):
                end += 2 if source[end] == "\\" else 1
            end += 1
        spans.append((start, end))
        pos = end
    return spans


def _outside(spans: list[tuple[int, int]]) -> Callable[[int], bool]:
    """A test for positions that lie in code, not in a literal or a comment."""
    import bisect

    starts = [s for s, _ in spans]

    def test(pos: int) -> bool:
        i = bisect.bisect_right(starts, pos) - 1
        return i < 0 or pos >= spans[i][1]

    return test


def script_writes(source: str, known_rot13: frozenset[str] = frozenset()) -> ScriptWrites:
    """Read one script: its string variables, ``document.write`` calls and element writes.
    ``known_rot13``: ROT13 functions other scripts of the page define."""
    source = _fold_chains(_fold_rot13_replaces(source))
    functions: dict[str, Callable[[str], str]] = dict.fromkeys(
        rot13_functions(source) | known_rot13, rot13)
    in_code = _outside(literal_spans(source))
    variables: dict[str, str] = {}
    elements: dict[str, str] = {}
    for m in _ELEMENT.finditer(source):
        elements[m.group(1)] = m.group(2) or m.group(3)
    values: list[str] = []
    for m in _ASSIGN.finditer(source):
        if source[max(0, m.start() - 1):m.start()] == "." or not in_code(m.start()):
            continue
        value = evaluate(source, m.end(), variables, functions)
        if value is not None:
            variables[m.group(1)] = value
            values.append(value)
    document: list[str] = []
    for m in _DOCUMENT_WRITE.finditer(source):
        if not in_code(m.start()):
            continue
        value = evaluate(source, m.end(), variables, functions)
        if value is not None:
            document.append(value)
            values.append(value)
    by_id: dict[str, str] = {}
    for m in _PROPERTY_WRITE.finditer(source):
        if not in_code(m.start()):
            continue
        element = m.group(1) or elements.get(m.group(2) or "")
        value = evaluate(source, m.end(), variables, functions)
        if value is None:
            continue
        values.append(value)
        if element and m.group(3) != "href":
            by_id[element] = value
    for m in _JQUERY_WRITE.finditer(source):
        if not in_code(m.start()):
            continue
        start = m.end()
        if m.group(2) == "attr":
            attr = re.match(r"""\s*['"](\w+)['"]\s*,\s*""", source[start:])
            if not attr:
                continue
            start += attr.end()
        value = evaluate(source, start, variables, functions)
        if value is None:
            continue
        values.append(value)
        if m.group(2) != "attr":
            by_id[m.group(1)] = value
    return ScriptWrites(document, by_id, values)
