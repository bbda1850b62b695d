"""Versioned asset URLs in served pages, so a reloading tab takes unchanged stylesheets and
scripts from its cache without asking the server (each ask is a round trip, and Chromium
blocks the first paint on the stylesheets')."""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

VERSION_PARAM = "sitegen-v"
"""The query parameter carrying a file's version; a URL with the current one is immutable."""
CACHE_FOREVER = "max-age=31536000, immutable"
REVALIDATE = "no-cache"
"""Anything else may be cached but is revalidated on every use (a 304 when unchanged)."""
_ASSET = re.compile(rb'(<(?:script|link)\b[^>]*?\b(?:src|href)=")([^":?#]+)(")')
"""A script's or stylesheet's own relative URL (nothing with a scheme or a query)."""


def file_version(info: os.stat_result) -> str:
    """Changes whenever the file is rewritten, in place (time) or by a rename (inode)."""
    return f"{info.st_ino:x}-{info.st_mtime_ns:x}-{info.st_size:x}"


def bytes_version(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


def requested_version(url: str) -> str | None:
    """The version a request's URL asks for, if any."""
    return parse_qs(urlsplit(url).query).get(VERSION_PARAM, [None])[0]


def with_versions(html: bytes, page: str, find: Callable[[str], Path | None]) -> bytes:
    """`html` (served at URL path `page`) with each script and stylesheet of the output
    folder linked with its current version; `find` maps a URL path to the file."""
    folder = page if page.endswith("/") else posixpath.dirname(page) + "/"

    def version(match: re.Match[bytes]) -> bytes:
        ref = match[2].decode("utf-8", "replace")
        target = find(posixpath.normpath(posixpath.join(folder, ref)))
        if target is None:
            return match[0]
        stamp = file_version(target.stat()).encode()
        return match[1] + match[2] + b"?" + VERSION_PARAM.encode() + b"=" + stamp + match[3]

    return _ASSET.sub(version, html)
