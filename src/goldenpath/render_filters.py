"""Answers are data, never code: one escaping filter per language a template file is written in.

Both template engines load these as Jinja filters (hooks/goldenpath_jinja.py), so
copier and cookiecutter write every answer the same way. Each filter returns a
complete token of its language (a quoted literal, or Markdown text) that reads
back as exactly the answer, whatever it contains: quotes, backslashes, `${{ }}`,
`{{ }}`, HTML, right-to-left marks, emoji. Invisible characters (controls, odd spaces,
format marks, line separators) are always written as escapes, never raw, so no
generated file hides text a reviewer cannot see (`is_invisible`).
"""

from __future__ import annotations

import re
from collections.abc import Callable


def is_invisible(char: str) -> bool:
    """Controls, format marks (bidi, zero-width), separators and spaces other than U+0020, unassigned."""
    return char != " " and not char.isprintable()


def _unicode_escape(char: str) -> str:
    """`\\uXXXX` / `\\UXXXXXXXX`: understood alike by Python, TOML and YAML double-quoted strings."""
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _escape(text: str, quote: str, keep: Callable[[str], bool]) -> str:
    """Backslash-escape `quote` and `\\`, keep what `keep` allows, write the rest as code points."""
    out = []
    for char in text:
        if char in (quote, "\\"):
            out.append("\\" + char)
        elif keep(char):
            out.append(char)
        else:
            out.append(_unicode_escape(char))
    return "".join(out)


def _printable_ascii(char: str) -> bool:
    return " " <= char <= "~"


def python_string(text: str) -> str:
    """A Python string literal, ASCII only (ruff's confusable-character rules stay quiet).

    The quote is the one ruff's formatter would choose: double, unless single
    quotes need fewer escapes, so `ruff format --check` passes on the result.
    """
    quote = "'" if text.count('"') > text.count("'") else '"'
    return quote + _escape(text, quote, _printable_ascii) + quote


def python_docstring(text: str) -> str:
    """A one-line docstring, ASCII only, stable under `ruff format`.

    A quote is escaped only where it could end the docstring early (next to
    another quote, or at either end); spaces at either end are escaped because
    the formatter strips them from docstrings.
    """
    lead = len(text) - len(text.lstrip(" "))
    trail = len(text.rstrip(" "))
    out = []
    for index, char in enumerate(text):
        touches_quote = '"' in (text[index - 1 : index], text[index + 1 : index + 2])
        if char == "\\":
            out.append("\\\\")
        elif char == '"' and (index in (0, len(text) - 1) or touches_quote):
            out.append('\\"')
        elif char == " " and (index < lead or index >= trail):
            out.append("\\x20")
        elif _printable_ascii(char):
            out.append(char)
        else:
            out.append(_unicode_escape(char))
    return '"""' + "".join(out) + '"""'


def toml_string(text: str) -> str:
    """A TOML basic string (`"..."`); invisible characters become `\\uXXXX` escapes."""
    return '"' + _escape(text, '"', lambda char: not is_invisible(char)) + '"'


def yaml_string(text: str) -> str:
    """A YAML double-quoted scalar: never a number, boolean, anchor, tag or comment."""
    return '"' + _escape(text, '"', lambda char: not is_invisible(char)) + '"'


def json_string(text: str) -> str:
    """A JSON string; characters beyond the BMP that must be escaped become surrogate pairs."""
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif not is_invisible(char):
            out.append(char)
        else:
            encoded = char.encode("utf-16-be")
            out.extend(
                f"\\u{int.from_bytes(encoded[i : i + 2], 'big'):04x}" for i in range(0, len(encoded), 2)
            )
    return '"' + "".join(out) + '"'


def markdown_text(text: str) -> str:
    """Markdown for a paragraph of its own that shows `text` as typed, and never as markup.

    Only a character Markdown would read as syntax at its position gets a
    backslash: an emphasis or strikethrough run that could open or close, a
    backtick that another could pair with, `[` before a `]`, `<` that starts a tag or
    an autolink, `&` that starts an entity, a list, heading, quote, fence or
    admonition marker at the start, `:` of a URL scheme or an emoji shortcode,
    the dot of `www.`, `@` of an e-mail address, `$` of math, and every
    backslash. Everything else, ordinary punctuation included, stays as it is,
    so the raw file reads like the answer. Invisible characters and a space at
    either end (which Markdown would drop) are written as numeric character
    references. GitHub (CommonMark) and Python-Markdown with
    `pymdownx.escapeall` (the generated mkdocs.yml) read it alike.
    """
    escaped = _markdown_escaped_positions(text)
    out = []
    for index, char in enumerate(text):
        if _written_as_reference(text, index):
            out.append(f"&#{ord(char)};")
        elif index in escaped:
            out.append("\\" + char)
        else:
            out.append(char)
    return "".join(out)


def _written_as_reference(text: str, index: int) -> bool:
    char = text[index]
    edge_space = char == " " and (not text[:index].strip(" ") or not text[index:].strip(" "))
    return is_invisible(char) or edge_space


# A character reference: CommonMark decodes the valid named ones, Python-Markdown
# passes any named one through as HTML, and reads a numeric one even without its
# semicolon (and then adds one), unless its `#` is escaped too.
_NAMED_REFERENCE = re.compile(r"&[A-Za-z0-9]+;")
_NUMERIC_REFERENCE = re.compile(r"&#(?:[0-9]|[xX][0-9a-fA-F])")
# `<` opens a tag, comment, declaration or processing instruction, or a URL autolink.
_TAG_START = re.compile(r"<[A-Za-z/!?]")
# `<` opens an autolink: anything but a space up to a later `>` may turn out to be one
# (Python-Markdown reads `<x@y>` as an e-mail address whatever `x` and `y` are).
_AUTOLINK_START = re.compile(r"<[^ ].*>")
# An emoji shortcode as GitHub reads it (`:smile:`, `:+1:`), from its opening colon.
_SHORTCODE = re.compile(r":[A-Za-z0-9_+-]+:")
# A line-start ordered list marker (`1.` or `1)`) followed by a space or the end.
_ORDERED_MARKER = re.compile(r"[0-9]+[.)](?= |$)")
# A thematic break: three or more of one of `-`, `*`, `_`, with spaces between.
_THEMATIC_BREAK = re.compile(r"(?:-[ ]*){3,}|(?:\*[ ]*){3,}|(?:_[ ]*){3,}")
_URL_SCHEMES = ("http", "https", "ftp", "mailto", "xmpp")
_EMAIL_LOCAL = frozenset("._+-")


def _markdown_escaped_positions(text: str) -> set[int]:
    """The indexes of the characters Markdown would read as syntax where they stand."""
    escaped = {index for index, char in enumerate(text) if char == "\\"}
    escaped |= _line_start_markers(text)
    escaped |= _delimiter_runs(text)
    escaped |= _code_span_backticks(text)
    for index, char in enumerate(text):
        if (
            (char == "[" and "]" in text[index + 1 :])
            or (char == "<" and (_TAG_START.match(text, index) or _AUTOLINK_START.match(text, index)))
            or (char == "&" and _NAMED_REFERENCE.match(text, index))
            or (char == ":" and _autolink_or_emoji_colon(text, index))
            or (char == "." and text[max(0, index - 3) : index].lower() == "www")
            or (char == "@" and _email_at(text, index))
            or (char == "$" and text.count("$") > 1)
        ):
            escaped.add(index)
        if _NUMERIC_REFERENCE.match(text, index):
            escaped |= {index, index + 1}
    return escaped


def _line_start_markers(text: str) -> set[int]:
    """A heading, quote, list item, fence, thematic break or admonition the line would start."""
    if not text:
        return set()
    first = text[0]
    ordered = _ORDERED_MARKER.match(text)
    if ordered:
        return {ordered.end() - 1}
    if (
        first in "#>"
        or (first in "-+*" and text[1:2] in ("", " "))
        or text.startswith(("~~~", "!!!"))
        or _THEMATIC_BREAK.fullmatch(text)
    ):
        return {0}
    return set()


def _delimiter_runs(text: str) -> set[int]:
    """Emphasis (`*`, `_`) and strikethrough (`~`) runs that could open or close.

    A run is left alone only where no reading of Markdown takes it as a
    delimiter: one character between spaces (`2 * 3`), or `_` inside a word
    (`snake_case`). Neighbours written as character references count as
    punctuation, as the parser sees `&#32;`.
    """
    escaped: set[int] = set()
    index = 0
    while index < len(text):
        char = text[index]
        end = index
        while end < len(text) and text[end] == char:
            end += 1
        if char in "*_~":
            before = _neighbour(text, index - 1)
            after = _neighbour(text, end)
            spaced = before == " " and after == " " and end - index == 1
            in_word = char == "_" and before.isalnum() and after.isalnum()
            if not (spaced or in_word):
                escaped.update(range(index, end))
        index = end
    return escaped


def _neighbour(text: str, index: int) -> str:
    """The character beside a run as the parser sees it: a space at the line's ends."""
    if index < 0 or index >= len(text):
        return " "
    return "&" if _written_as_reference(text, index) else text[index]


def _code_span_backticks(text: str) -> set[int]:
    """Every backtick once there are two: Python-Markdown pairs any two, even inside one run."""
    positions = {index for index, char in enumerate(text) if char == "`"}
    return positions if len(positions) > 1 else set()


def _autolink_or_emoji_colon(text: str, index: int) -> bool:
    scheme = re.search(r"[A-Za-z]+$", text[:index])
    return bool(
        (scheme and scheme.group().lower() in _URL_SCHEMES)
        or text.startswith("//", index + 1)
        or _SHORTCODE.match(text, index)
    )


def _email_at(text: str, index: int) -> bool:
    """`@` between an address's local part and its domain (GitHub links e-mail addresses)."""
    before, after = text[index - 1 : index], text[index + 1 : index + 2]
    return bool(before) and (before.isalnum() or before in _EMAIL_LOCAL) and after.isalnum()


def markdown_code(text: str) -> str:
    """An inline code span holding `text` literally, whatever backticks it contains."""
    longest = run = 0
    for char in text:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


FILTERS: dict[str, Callable[[str], str]] = {
    "python_string": python_string,
    "python_docstring": python_docstring,
    "toml_string": toml_string,
    "yaml_string": yaml_string,
    "json_string": json_string,
    "markdown_text": markdown_text,
    "markdown_code": markdown_code,
}
