"""Term positions, for quoted phrases: `search/positions-<k>.js` beside term shard k.

lunr can keep positions as posting metadata, but then every query would download them. They
live in their own files instead, one per term shard with the same terms, and the browser loads
them only for a query with a phrase (`"masked autoencoder"`, `author:"Hu Xu"`).

A term's positions: per field (comma separated), per document holding it there, varints of the
gap from the previous document, the count, then the gaps between positions. Positions count
every word lunr splits the field into, stop words too, so `"learning of representations"`
checks the right gap; the values of a list field (authors, tags) are 2 apart, so no phrase spans
two authors.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from functools import lru_cache

from lunr.stop_word_filter import stop_word_filter
from lunr.token import Token
from lunr.trimmer import trimmer

from sitegen.search.codec import TERM_SEP, varint
from sitegen.search.fastlunr import memo_stemmer, split_words
from sitegen.search.fold import fold

PositionTable = dict[str, list[dict[int, list[int]]]]
"""Term -> per field -> document -> positions."""


@lru_cache(maxsize=1 << 18)
def term_of(word: str) -> str | None:
    """The term lunr's indexing pipeline makes of one lowercased word (None: dropped)."""
    token = trimmer(Token(word))
    if not str(token) or not stop_word_filter(token):
        return None
    return str(memo_stemmer(token))


def collect(
    documents: Sequence[Mapping[str, Sequence[str]]], fields: Sequence[str]
) -> PositionTable:
    """Positions of every term, from each document's field values (unfolded)."""
    table: PositionTable = defaultdict(lambda: [{} for _ in fields])
    for doc, parts in enumerate(documents):
        for f, name in enumerate(fields):
            at = 0
            for value in parts.get(name, ()):
                for word in split_words(fold(value)):
                    term = term_of(word) if word else None
                    if term is not None:
                        table[term][f].setdefault(doc, []).append(at)
                    at += 1 if word else 0
                at += 1  # a gap between two authors or tags
    return table


def encode(table: PositionTable, terms: Sequence[str], fields: int) -> str:
    """The positions of `terms` (one shard's, in its order): per field, per document, the
    document gap, the count and the position gaps, as varints."""
    out_terms = []
    for term in terms:
        per_field = table.get(term) or [{} for _ in range(fields)]
        encoded = []
        for docs in per_field:
            out: list[str] = []
            previous = -1
            for doc in sorted(docs):
                positions = docs[doc]
                out += (varint(doc - previous - 1), varint(len(positions)))
                last = 0
                for position in positions:
                    out.append(varint(position - last))
                    last = position
                previous = doc
            encoded.append("".join(out))
        out_terms.append(",".join(encoded))
    return TERM_SEP.join(out_terms)
