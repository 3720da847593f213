"""Is a passage in the source text verbatim? Matches after normalising whitespace and quote marks; near misses
are reported as near misses, never as matches.

The text is the text layer's ``nif:isString``; offsets are code points into it (as ``nif:beginIndex``). The
scraping residue ``[Name](#)`` around some names is read as ``Name`` (the release's words), and a match's
offsets cover the raw span, residue included.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from sco_kg.errors import UsageError
from sco_kg.explain.facts import SentenceRef, facts_of

if TYPE_CHECKING:
    from sco_kg.dataset import Source

#: Longest passage accepted (characters).
MAX_QUOTE_CHARS = 8000
#: Smallest similarity (difflib ratio) of a near miss worth reporting.
NEAR_MISS_RATIO = 0.75

_QUOTES = {"“": '"', "”": '"', "„": '"', "‟": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "‚": "'", "‛": "'"}
_RESIDUE = re.compile(r"\[([^\[\]\n]*)\]\(#\)")


@dataclass(frozen=True)
class QuoteMatch:
    """Where a passage is (or nearly is): raw offsets ``[begin, end)``, the raw text there, the sentences it spans."""

    begin: int
    end: int
    text: str
    sentences: tuple[SentenceRef, ...]
    similarity: float = 1.0


@dataclass(frozen=True)
class QuoteCheck:
    """The verdict on a passage: ``verbatim`` (with its matches), ``near-miss`` (closest passages) or ``absent``."""

    quote: str
    verdict: Literal["verbatim", "near-miss", "absent"]
    matches: tuple[QuoteMatch, ...] = ()
    near_misses: tuple[QuoteMatch, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        def m(x: QuoteMatch) -> dict[str, Any]:
            return {
                "begin": x.begin,
                "end": x.end,
                "text": x.text,
                "similarity": round(x.similarity, 3),
                "sentences": [{"sentence": s.iri, "label": s.label, "text": s.text} for s in x.sentences],
            }

        return {
            "quote": self.quote,
            "verdict": self.verdict,
            "matches": [m(x) for x in self.matches],
            "near_misses": [m(x) for x in self.near_misses],
        }


def normalise(text: str) -> tuple[str, list[int]]:
    """Return ``text`` normalised (quote marks straight, whitespace runs one space, ``[X](#)`` as ``X``) and, for
    each character of the result, its offset in ``text`` (plus one entry for the end)."""
    out: list[str] = []
    where: list[int] = []
    i = 0
    n = len(text)
    while i < n:
        m = _RESIDUE.match(text, i)
        if m:
            for k, ch in enumerate(m.group(1)):
                out.append(_QUOTES.get(ch, ch))
                where.append(m.start(1) + k)
            i = m.end()
            continue
        ch = text[i]
        if ch.isspace():
            if out and out[-1] != " ":
                out.append(" ")
                where.append(i)
            i += 1
            continue
        out.append(_QUOTES.get(ch, ch))
        where.append(i)
        i += 1
    where.append(n)
    return "".join(out), where


def _norm_quote(quote: str) -> str:
    return normalise(quote)[0].strip()


def verify_quote(quote: str, source: Source | None = None, max_near: int = 3) -> QuoteCheck:
    """Return whether ``quote`` is in the source text verbatim (after normalising), where, and in which sentences."""
    if len(quote) > MAX_QUOTE_CHARS:
        raise UsageError(f"the passage is longer than {MAX_QUOTE_CHARS} characters")
    wanted = _norm_quote(quote)
    if not wanted:
        raise UsageError("the passage is empty")
    facts = facts_of(source)
    found = facts.text()
    if found is None:
        raise UsageError("this dataset has no text layer (graph scog:text)")
    _, raw = found
    norm, where = normalise(raw)
    sentences = facts.sentences()

    def spanning(begin: int, end: int) -> tuple[SentenceRef, ...]:
        return tuple(s for s in sentences if s.begin < end and begin < s.end)

    def match(nb: int, ne: int, ratio: float) -> QuoteMatch:
        begin, end = where[nb], where[ne - 1] + 1
        if raw[end : end + 4] == "](#)" and raw.rfind("[", 0, begin) >= 0:
            end += 4  # the residue closing a name the passage ends with
        return QuoteMatch(begin, end, raw[begin:end], spanning(begin, end), ratio)

    hits = []
    start = norm.find(wanted)
    while start >= 0:
        hits.append(match(start, start + len(wanted), 1.0))
        start = norm.find(wanted, start + 1)
    if hits:
        return QuoteCheck(quote, "verbatim", tuple(hits))
    return QuoteCheck(quote, *_near_misses(wanted, norm, sentences, where, match, max_near))


def _near_misses(wanted: str, norm: str, sentences: list[SentenceRef], where: list[int], match: Any, k: int) -> tuple:
    """Return ("near-miss", (), misses) or ("absent", (), ()): the closest windows of each sentence to ``wanted``."""
    pos = {off: i for i, off in enumerate(where)}
    scored: list[tuple[float, int, int]] = []
    low = wanted.lower()
    for s in sentences:
        nb = next((pos[o] for o in range(s.begin, s.end) if o in pos), None)
        ne = next((pos[o] + 1 for o in range(s.end - 1, s.begin - 1, -1) if o in pos), None)
        if nb is None or ne is None:
            continue
        text = norm[nb:ne]
        sm = difflib.SequenceMatcher(None, low, text.lower(), autojunk=False)
        blocks = [b for b in sm.get_matching_blocks() if b.size >= min(8, len(low))]
        if not blocks:
            continue
        # Align the passage on its first and last common blocks: the window it would occupy in the sentence.
        first, last = blocks[0], blocks[-1]
        wb = max(0, first.b - first.a)
        we = min(len(text), last.b + last.size + (len(low) - last.a - last.size))
        window = text[wb:we]
        ratio = difflib.SequenceMatcher(None, wanted, window, autojunk=False).ratio()
        scored.append((ratio, nb + wb, nb + we))
    scored.sort(key=lambda x: -x[0])
    misses = tuple(match(b, e, r) for r, b, e in scored[:k] if r >= NEAR_MISS_RATIO and e > b)
    return ("near-miss", (), misses) if misses else ("absent", (), ())
