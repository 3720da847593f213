"""Parameters written into the query text as RDF terms, for stores that mishandle a bound ``VALUES`` block.

Locally (and on most stores) a canned query's parameters arrive as a one-row ``VALUES`` block opening the
WHERE clause (:func:`sco_kg.sparql.params.bind_values`). Virtuoso 7.2 hangs on that form when the variable
meets a nested ``BIND(IF …)`` and a FILTER (``external-ids``: no answer, and after two or three such queries
no answer to anything) and answers the same query in milliseconds with the value written in. So a store
profile with ``inline_params`` gets :func:`inline_bindings`: every use of a parameter variable replaced by the
validated term (N-Triples syntax, from :class:`sco_kg.rdf.term.Term`, never from user text).

That is the same query only where the variable is a constant: never projected, assigned (``AS``), listed in
``VALUES`` or a bare ``GROUP BY``/``ORDER BY`` key. Anywhere else :func:`inline_bindings` returns ``None`` and
the caller keeps the ``VALUES`` form. The result is checked by the gate's parser before it is sent.
"""

from __future__ import annotations

from collections.abc import Mapping

from sco_kg.rdf.term import Term
from sco_kg.sparql import lexer
from sco_kg.sparql.params import _sparql_n3


def inline_bindings(text: str, bindings: Mapping[str, Term]) -> str | None:
    """Return ``text`` with each parameter variable replaced by its term, or ``None`` if that would change it."""
    if not bindings:
        return text
    tokens = lexer.tokenize(text)
    out: list[str] = []
    last = 0
    depth = 0  # parentheses inside a projection
    in_projection = False
    in_values = False
    in_order = False
    for i, tok in enumerate(tokens):
        prev = tokens[i - 1] if i > 0 else None
        if tok.is_kw("SELECT"):
            in_projection, depth = True, 0
        elif in_projection and depth == 0 and (tok.is_kw("WHERE", "FROM") or tok.text == "{"):
            in_projection = False
        elif tok.is_kw("VALUES"):
            in_values = True
        elif in_values and tok.text == "{":
            in_values = False
        elif tok.is_kw("BY"):
            in_order = True
        elif in_order and (tok.text == "}" or tok.is_kw("LIMIT", "OFFSET", "HAVING", "VALUES")):
            in_order = False
        if in_projection and tok.text == "(":
            depth += 1
        elif in_projection and tok.text == ")":
            depth -= 1
        if tok.kind != "var" or tok.text[1:] not in bindings:
            continue
        if (in_projection and depth == 0) or in_values or (prev is not None and prev.is_kw("AS")):
            return None
        if in_order and not _inside_call(tokens, i):
            return None
        out.append(text[last : tok.pos])
        out.append(_sparql_n3(bindings[tok.text[1:]]))
        last = tok.pos + len(tok.text)
    out.append(text[last:])
    return "".join(out)


def _inside_call(tokens: list[lexer.Token], i: int) -> bool:
    """Return whether token ``i`` sits inside parentheses (an expression), not as a bare sort/group key."""
    depth = 0
    for tok in reversed(tokens[:i]):
        if tok.text == ")":
            depth += 1
        elif tok.text == "(":
            if depth == 0:
                return True
            depth -= 1
        elif tok.is_kw("BY"):
            return False
    return False
