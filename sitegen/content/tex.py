"""TeX <-> plain text for BibTeX fields, built on pylatexenc; one is the other's inverse.

`text_to_tex` escapes only what `tex_to_text` would read as markup (inline math is kept when it
reads back unchanged), so an exported entry re-imports to the very text it was made from; the
tests check that on every seed paper and on random text.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache
from typing import Any

from pylatexenc import latex2text, latexencode, latexwalker

# ASCII characters TeX reads as markup, as a TeX decoder turns them back into themselves.
_ASCII_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "$": r"\$",
    "%": r"\%",
    "&": r"\&",
    "#": r"\#",
    "_": r"\_",
    "^": r"\textasciicircum{}",
    "~": r"\textasciitilde{}",
    # An `@` starting a line would start a new BibTeX entry; braces keep it text.
    "@": "{@}",
}
# Ligatures TeX makes of ASCII pairs (`--` is an en dash, two quotes a curly quote): an empty
# group between the two keeps them apart.
_LIGATURE = re.compile(r"-(?=-)|'(?=')|`(?=`)|[!?](?=`)")
# TeX's logos and \\hyphen (babel's), which pylatexenc decodes to nothing: "{\\TeX}: The Program"
# would lose its first word.
_LOGOS = {
    "TeX": "TeX",
    "LaTeX": "LaTeX",
    "LaTeXe": "LaTeX2e",
    "BibTeX": "BibTeX",
    "XeTeX": "XeTeX",
    "LuaTeX": "LuaTeX",
    "ConTeXt": "ConTeXt",
    "hyphen": "-",
}
# Commands that rightly decode to nothing: they change how text is set, not what it says.
_SILENT = frozenset(("relax", "protect", "xspace", "noindent", "nobreak", "unskip"))
# Inline math as written in arXiv abstracts: `$x$`, not `$5 and $10`.
_MATH = re.compile(r"(?<![\\$])\$(?=\S)[^$\n]+?(?<=[^\s\\])\$(?![\d$])")


@cache
def _decoder() -> Any:
    # bibtexparser's LatexDecodingMiddleware setup (\url{x} -> x, math kept verbatim), plus
    # \textasciicircum as `^` (pylatexenc gives the modifier letter U+02C6).
    context = latex2text.get_default_latex_context_db()
    context.add_context_category(
        "sitegen-bibtex",
        prepend=True,
        macros=[
            latex2text.MacroTextSpec("url", simplify_repl="%s"),
            latex2text.MacroTextSpec("textasciicircum", simplify_repl="^"),
            *(latex2text.MacroTextSpec(name, simplify_repl=text) for name, text in _LOGOS.items()),
        ],
    )
    return latex2text.LatexNodes2Text(
        latex_context=context, keep_braced_groups=False, math_mode="verbatim"
    )


def tex_to_text(tex: str) -> str:
    """A BibTeX field's TeX as plain text: `M{\\"u}ller` -> `Müller`, braces dropped."""
    return str(_decoder().latex_to_text(tex))


def unknown_commands(tex: str) -> tuple[str, ...]:
    """The TeX commands of `tex` (outside math) that `tex_to_text` would drop without a trace,
    as written (`\\MyTool`): text holding one would lose a word."""
    context = _decoder().latex_context
    try:
        nodes, _pos, _len = latexwalker.LatexWalker(tex, tolerant_parsing=True).get_latex_nodes()
    except latexwalker.LatexWalkerError:
        return ()
    found: list[str] = []
    stack = list(nodes)
    while stack:
        node = stack.pop()
        if node is None or node.isNodeType(latexwalker.LatexMathNode):
            continue
        if node.isNodeType(latexwalker.LatexMacroNode):
            name = node.macroname
            if name.isalpha() and name not in _SILENT and context.get_macro_spec(name) is None:
                found.append("\\" + name)
            stack.extend(a for a in (node.nodeargd.argnlist if node.nodeargd else ()) if a)
        stack.extend(getattr(node, "nodelist", None) or ())
    return tuple(dict.fromkeys(sorted(found)))


@cache
def _accent(char: str) -> str | None:
    """pylatexenc's TeX for a non-ASCII character, if it decodes back to that character."""
    tex = latexencode.get_builtin_uni2latex_dict().get(ord(char))
    if tex is None:
        return None
    tex = "{" + tex + "}" if tex.startswith("\\") else tex
    return tex if tex_to_text(tex) == char else None


# What `_escape` looks at: TeX's special ASCII characters, any that may start a ligature
# pair, and every non-ASCII character (named when pylatexenc has a safe name for it). One
# character class, no alternation: the regex engine skips straight to them (twice as fast
# on abstracts as the alternation of the specials, `_LIGATURE` and the non-ASCII class).
_TO_ESCAPE = re.compile("[" + re.escape("".join(_ASCII_ESCAPES) + "-'`!?") + r"\x80-\U0010ffff]")


def _encode_match(match: re.Match[str]) -> str:
    char = match.group()
    if char in _ASCII_ESCAPES:
        return _ASCII_ESCAPES[char]
    if ord(char) > 127:
        # Characters TeX has no safe name for (CJK, emoji, ...) stay UTF-8.
        return _accent(char) or char
    if _LIGATURE.match(match.string, match.start()):
        return char + "{}"  # the first of a ligature pair
    return char


def _escape(text: str) -> str:
    # One regex pass rather than pylatexenc's encoder loop: this runs on every build, for
    # every field of every paper, and is 20 times faster.
    return _TO_ESCAPE.sub(_encode_match, unicodedata.normalize("NFC", text))


def _math_kept(segment: str) -> bool:
    """Whether a `$...$` segment can be written as is: braces balanced, read back unchanged."""
    depth = 0
    for char in segment.replace("\\{", "").replace("\\}", ""):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    # A `%` starts a TeX comment, which would run on past the closing `$`.
    return depth == 0 and "%" not in segment and tex_to_text(segment) == segment


def text_to_tex(text: str, keep_math: bool = True) -> str:
    """Plain text as BibTeX field TeX that `tex_to_text` reads back as the same text.

    With `keep_math`, inline math (`$\\alpha$`) is written as math when that reads back
    unchanged, so LaTeX typesets it; everything else is escaped. Text is NFC-normalised.
    """
    if not keep_math or "$" not in text:  # (no math: most text, and a quicker test)
        return _escape(text)
    parts, last = [], 0
    for match in _MATH.finditer(text):
        if _math_kept(match.group()):
            parts += [_escape(text[last : match.start()]), match.group()]
            last = match.end()
    if not parts:
        return _escape(text)
    tex = "".join([*parts, _escape(text[last:])])
    # Decoding is slow, so only text with math kept is read back, to be sure.
    return tex if tex_to_text(tex) == unicodedata.normalize("NFC", text) else _escape(text)
