"""Split a content file into YAML front matter and a Markdown body, keeping line numbers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sitegen.errors import ContentError, Problem
from sitegen.text import unix_newlines

FENCE = "---"
MAX_DEPTH = 32
MAX_VALUES = 1_000_000
"""Deeper or (aliases expanded) bigger front matter is refused: nothing sitegen reads nests
more than three levels, and such values would only make later steps (comparing or rewriting
the file) recurse or expand without end."""


@dataclass(frozen=True, slots=True)
class FrontMatter:
    """The parsed head of a content file."""

    data: dict[str, Any]
    """The front matter mapping."""
    key_lines: dict[str, int]
    """1-based file line of each top-level key, for error messages."""
    body: str
    """Everything after the closing fence."""
    body_line: int
    """1-based file line where the body starts."""


def normalise_newlines(text: str) -> str:
    """CRLF and lone CR become LF; a leading BOM is dropped."""
    return unix_newlines(text.lstrip("\ufeff"))


def split_front_matter(path: Path, text: str) -> FrontMatter:
    """Parse `---`-fenced YAML front matter at the top of `text`."""
    text = normalise_newlines(text)
    lines = text.split("\n")
    if not lines or lines[0].strip() != FENCE:
        raise ContentError.single(path, 1, "no front matter: the file must start with a `---` line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == FENCE)
    except StopIteration:
        raise ContentError.single(
            path, 1, "front matter is not closed: add a `---` line after it"
        ) from None
    yaml_text = "\n".join(lines[1:end])
    data, key_lines = _load_mapping(path, yaml_text, first_line=2)
    body = "\n".join(lines[end + 1 :])
    return FrontMatter(data, key_lines, body, body_line=end + 2)


_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe YAML; a date that is not a real day stays text so the checker can name it."""

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> object:
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            return self.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)


def _load_mapping(
    path: Path, yaml_text: str, first_line: int
) -> tuple[dict[str, Any], dict[str, int]]:
    loader = _Loader(yaml_text)
    try:
        node = loader.get_single_node()
        too_deep = node is not None and _too_deep(node)
        data = loader.construct_document(node) if node is not None and not too_deep else None
    except yaml.MarkedYAMLError as err:
        # An unclosed bracket or quote is noticed far below; point at where it opened.
        mark = err.context_mark or err.problem_mark
        line = first_line + mark.line if mark else first_line
        reason = err.problem or "invalid YAML"
        if err.context and err.context_mark:
            reason += f" ({err.context} that starts on this line)"
        raise ContentError.single(path, line, f"invalid YAML in front matter: {reason}") from None
    except yaml.YAMLError as err:
        message = f"invalid YAML in front matter: {' '.join(str(err).split())}"
        raise ContentError.single(path, first_line, message) from None
    except ValueError:  # an integer of thousands of digits (int() refuses it)
        message = "invalid value in front matter: a number too long to read (quote it)"
        raise ContentError.single(path, first_line, message) from None
    except RecursionError:
        message = "front matter is nested too deeply to read: flatten it"
        raise ContentError.single(path, first_line, message) from None
    finally:
        loader.dispose()
    if too_deep:
        message = (
            f"front matter nests more than {MAX_DEPTH} levels deep, holds more than "
            f"{MAX_VALUES:,} values once its aliases are expanded, or refers to itself: "
            "flatten it"
        )
        raise ContentError.single(path, first_line, message)
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(node, (yaml.MappingNode, type(None))):
        kind = type(data).__name__
        raise ContentError.single(
            path, first_line, f"front matter must be a mapping of keys to values, not a {kind}"
        )
    key_lines: dict[str, int] = {}
    problems: list[Problem] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, _ in node.value:
            line = first_line + key_node.start_mark.line
            if not isinstance(key_node.value, str):
                continue
            if key_node.value in key_lines:
                problems.append(Problem(path, line, f"key `{key_node.value}` is given twice"))
            key_lines[key_node.value] = line
    if problems:
        raise ContentError(problems)
    for key in list(data):
        if not isinstance(key, str):
            raise ContentError.single(path, first_line, f"front matter key {key!r} must be text")
    return data, key_lines


def _too_deep(root: yaml.Node) -> bool:
    """Whether the node graph nests deeper than MAX_DEPTH, holds itself (`&a [*a]`), or
    expands (aliases followed) to more than MAX_VALUES values (`&a [*b, *b, ...]` nesting)."""
    flat_size = _flat_size(root)
    if flat_size is not None:
        return flat_size > MAX_VALUES
    walked: dict[int, tuple[int, int]] = {}  # id(node) -> (height, size); (0, 0) while walked

    def walk(node: yaml.Node, depth: int) -> tuple[int, int]:
        height, size = walked.get(id(node), (1, 1))
        if (id(node) in walked and height == 0) or depth + height - 1 > MAX_DEPTH:
            raise _TooDeepError
        if id(node) in walked:
            return height, size
        walked[id(node)] = (0, 0)
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        parts = [walk(child, depth + 1) for child in children]
        height = 1 + max((h for h, _ in parts), default=0)
        size = 1 + sum(s for _, s in parts)
        if size > MAX_VALUES:
            raise _TooDeepError
        walked[id(node)] = (height, size)
        return height, size

    try:
        walk(root, 1)
    except _TooDeepError:
        return True
    return False


def _flat_size(root: yaml.Node) -> int | None:
    """How many values a mapping of scalars and lists of scalars holds (most front matter:
    three levels, no room for a loop), counted without _too_deep's walk; None for any other
    shape."""
    if type(root) is not yaml.MappingNode:
        return None
    size = 1
    for key, value in root.value:
        if type(key) is not yaml.ScalarNode:
            return None
        if type(value) is yaml.SequenceNode:
            if any(type(item) is not yaml.ScalarNode for item in value.value):
                return None
            size += 2 + len(value.value)
        elif type(value) is yaml.ScalarNode:
            size += 2
        else:
            return None
    return size


class _TooDeepError(Exception):
    """Raised inside _too_deep to stop the walk at once."""


class _Dumper(yaml.SafeDumper):
    """Writes a value used twice (say one date) twice, never as `&id001` / `*id001`."""

    def ignore_aliases(self, data: Any) -> bool:
        # Lists and mappings keep their aliases: a user's `&a [*b, *b, ...]` nesting would
        # otherwise be written out exponentially large.
        return not isinstance(data, (list, dict))


def dump_front_matter(data: dict[str, Any], body: str) -> str:
    """Render front matter and body back into the text of a content file."""
    head = yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=None,
        # Never folded: a wrapped `[knowledge⏎ distillation]` reads as two items by hand.
        width=float("inf"),
    )
    return f"{FENCE}\n{head}{FENCE}\n{body}"
