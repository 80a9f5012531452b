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

from collections.abc import Callable

# Markdown: ASCII punctuation that starts markup (emphasis, links, HTML, code,
# entities, lists, headings, tables, math, emoji shortcodes, autolinks via ':').
_MARKDOWN_SPECIAL = frozenset("\\`*_{}[]()<>#+-!|~&:@$=^")


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
    """Markdown that shows `text` as written: no HTML, link, emphasis, list, heading or emoji.

    Markup characters become numeric character references (`&#60;`), which
    CommonMark, GitHub and Python-Markdown (mkdocs) all show as the character
    and never read as syntax; so does a leading digit (no ordered list), the
    dot of `www.` (no autolink) and a space at either end (no code block).
    """
    out = []
    for index, char in enumerate(text):
        at_edge = index in (0, len(text) - 1)
        www_dot = char == "." and text[max(0, index - 3) : index].lower() == "www"
        if (
            char in _MARKDOWN_SPECIAL
            or is_invisible(char)
            or www_dot
            or (index == 0 and char.isdigit())
            or (at_edge and char == " ")
        ):
            out.append(f"&#{ord(char)};")
        else:
            out.append(char)
    return "".join(out)


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
