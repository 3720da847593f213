"""The ``#+`` header of a canned query: a strict parser for the subset of YAML it uses.

Block mappings, flow mappings and sequences, plain and quoted scalars. PyYAML costs ~40 ms to import, which the
CLI read path cannot afford; a test checks that every header means the same to PyYAML. A plain scalar that YAML
would read as something else than text or an integer (``yes``, ``1.5``, ``2001-06-15``) must be quoted.
"""

from __future__ import annotations

import re
from typing import Any

from sco_kg.errors import CatalogError

# PyYAML reads some plain scalars as something else than text (YAML 1.1 booleans and nulls, numbers, dates).
# Such a scalar is refused unless it is a plain decimal integer, so that this parser and PyYAML always agree:
# the words below, and anything that starts like a number (a digit, a sign, a dot), must be quoted.
_YAML_WORDS = frozenset(
    [
        "yes",
        "Yes",
        "YES",
        "no",
        "No",
        "NO",
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
        "~",
        "null",
        "Null",
        "NULL",
        "<<",
        "=",
    ]
)


# YAML 1.1 §5.1: printable characters only (tab, and #x20-#x7E, #x85, #xA0-#xD7FF, #xE000-#xFFFD, astral). Written
# as the complement, which compiles in 0.1 ms where the negated class of the printable ranges took 3.5 ms on every
# CLI run (issue 14); the two agree on every code point (tests/test_catalog.py).
_NOT_PRINTABLE = re.compile("[\\x00-\\x08\\x0a-\\x1f\\x7f-\\x84\\x86-\\x9f\\ud800-\\udfff\\ufffe\\uffff]")
_PLAIN_INT = re.compile(r"^-?(?:0|[1-9][0-9]*)$")


_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


class HeaderError(Exception):
    def __init__(self, line: int, msg: str) -> None:
        super().__init__(msg)
        self.line = line
        self.msg = msg


def _scalar(text: str, line: int, flow: bool) -> str | int:
    """Return a plain or quoted scalar (the whole of ``text``)."""
    text = text.strip()
    if not text:
        raise HeaderError(line, 'empty value (YAML would read it as null): write "" or leave the key out')
    if text[0] == '"':
        if len(text) < 2 or not text.endswith('"'):
            raise HeaderError(line, "unterminated double-quoted string")
        body = text[1:-1]
        out = []
        i = 0
        while i < len(body):
            ch = body[i]
            if ch == '"':
                raise HeaderError(line, 'unescaped " inside a double-quoted string')
            if ch == "\\":
                nxt = body[i + 1 : i + 2]
                if nxt not in ('"', "\\", "n", "t"):
                    raise HeaderError(line, f'unsupported escape \\{nxt} (use \\" \\\\ \\n \\t)')
                out.append({'"': '"', "\\": "\\", "n": "\n", "t": "\t"}[nxt])
                i += 2
                continue
            out.append(ch)
            i += 1
        return "".join(out)
    if text[0] == "'":
        if len(text) < 2 or not text.endswith("'"):
            raise HeaderError(line, "unterminated single-quoted string")
        body = text[1:-1]
        if re.search(r"(?<!')'(?!')", body.replace("''", "")):
            raise HeaderError(line, "unescaped ' inside a single-quoted string (write '')")
        return body.replace("''", "'")
    if text[0] in _INDICATORS:
        raise HeaderError(line, f"a plain value cannot start with {text[0]!r}: quote it")
    if ": " in text or text.endswith(":") or " #" in text or "\t" in text:
        raise HeaderError(line, f"value {text!r} contains ': ', ' #' or a tab: quote it")
    if flow and any(c in text for c in ",[]{}"):
        raise HeaderError(line, f"value {text!r} contains a flow indicator: quote it")
    if _PLAIN_INT.match(text):
        return int(text)
    if text in _YAML_WORDS or text[0] in "0123456789+-.":
        raise HeaderError(line, f"YAML would not read {text!r} as text: quote it")
    return text


def _split_flow(body: str, line: int) -> list[str]:
    """Split the inside of a flow collection at top-level commas (quotes respected, no nesting)."""
    items: list[str] = []
    buf: list[str] = []
    quote = ""
    for ch in body:
        if quote:
            buf.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "\"'" and not "".join(buf).strip():
            quote = ch
            buf.append(ch)
        elif ch in "[]{}":
            raise HeaderError(line, "nested flow collections are not supported in the header")
        elif ch == ",":
            items.append("".join(buf))
            buf = []
        else:
            buf.append(ch)
    if quote:
        raise HeaderError(line, "unterminated quoted string")
    items.append("".join(buf))
    if len(items) == 1 and not items[0].strip():
        return []
    if any(not it.strip() for it in items):
        raise HeaderError(line, "empty item in a flow collection")
    return items


def _value(text: str, line: int) -> Any:
    """Return a flow sequence, a flow mapping or a scalar written on one line."""
    text = text.strip()
    if text.startswith("["):
        if not text.endswith("]"):
            raise HeaderError(line, "a flow sequence must end with ] on the same line")
        return [_scalar(it, line, flow=True) for it in _split_flow(text[1:-1], line)]
    if text.startswith("{"):
        if not text.endswith("}"):
            raise HeaderError(line, "a flow mapping must end with } on the same line")
        out: dict[str, Any] = {}
        for item in _split_flow(text[1:-1], line):
            key, sep, val = item.partition(": ")
            if not sep:
                raise HeaderError(line, f"flow mapping item {item.strip()!r} is not 'key: value'")
            k = _key(key, line)
            if k in out:
                raise HeaderError(line, f"duplicate key {k!r}")
            out[k] = _scalar(val, line, flow=True)
        return out
    return _scalar(text, line, flow=False)


def _key(text: str, line: int) -> str:
    key = text.strip()
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_\-]*$", key):
        raise HeaderError(line, f"bad key {key!r}")
    return key


def parse_header(lines: list[tuple[int, str]]) -> dict[str, Any]:
    """Return the mapping written by header ``lines`` (line number, text after ``#+``).

    Raises:
        HeaderError: the text is outside the supported YAML subset or is not valid YAML.
    """
    for no, content in lines:
        bad = _NOT_PRINTABLE.search(content)
        if bad:
            shown = f"U+{ord(bad.group()):04X}"
            raise HeaderError(no, f"character {shown} is not allowed in a header (YAML: printable characters only)")
    # Drop blank lines and full-line comments; tabs are not YAML indentation.
    items: list[tuple[int, int, str]] = []
    after_blank: set[int] = set()  # indexes of items that follow a blank line
    for no, text in lines:
        if "\t" in text[: len(text) - len(text.lstrip())]:
            raise HeaderError(no, "tab in indentation")
        stripped = text.strip()
        if not stripped:
            after_blank.add(len(items))
        if not stripped or stripped.startswith("#"):
            continue
        items.append((no, len(text) - len(text.lstrip(" ")), text.rstrip()))
    pos = 0

    def block(indent: int) -> dict[str, Any]:
        nonlocal pos
        out: dict[str, Any] = {}
        while pos < len(items):
            no, ind, text = items[pos]
            if ind < indent:
                break
            if ind > indent:
                raise HeaderError(no, "unexpected indentation")
            body = text.strip()
            if body.startswith("- ") or body == "-":
                raise HeaderError(no, "block sequences are not supported: write [a, b]")
            m = re.match(r"^([^:\s\"'#]+):(?: (.*)|)$", body)
            if not m:
                raise HeaderError(no, f"expected 'key: value', got {body!r}")
            key = _key(m.group(1), no)
            if key in out:
                raise HeaderError(no, f"duplicate key {key!r}")
            rest = (m.group(2) or "").strip()
            pos += 1
            if rest:
                value = _value(rest, no)
                # A plain scalar may continue on more-indented lines (YAML folds them with spaces).
                while isinstance(value, str) and pos < len(items) and items[pos][1] > indent:
                    if rest[0] in "\"'":
                        raise HeaderError(items[pos][0], "a quoted value must fit on one line")
                    if pos in after_blank:
                        # YAML would fold the blank line into a newline: keep a value's lines together.
                        raise HeaderError(items[pos][0], "blank line inside a value: remove it")
                    cont = _scalar(items[pos][2], items[pos][0], flow=False)
                    if not isinstance(cont, str):
                        raise HeaderError(items[pos][0], "YAML would fold this number into text: quote the value")
                    value = f"{value} {cont}"
                    pos += 1
                out[key] = value
            else:
                if pos < len(items) and items[pos][1] > indent:
                    out[key] = block(items[pos][1])
                else:
                    raise HeaderError(no, f"key {key!r} has no value")
        return out

    result = block(0)
    return result


def split_header(text: str) -> tuple[list[tuple[int, str]], int]:
    """Return the ``#+`` header lines of a query text (line number, content) and the number of header lines."""
    lines = text.split("\n")
    header: list[tuple[int, str]] = []
    for no, line in enumerate(lines, start=1):
        if not line.startswith("#+"):
            break
        content = line[2:]
        if content and content[0] != " ":
            raise CatalogError(f"line {no}: a header line is '#+ ' followed by text")
        header.append((no, content[1:] if content else ""))
    return header, len(header)
