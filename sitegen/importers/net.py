"""HTTP for `sitegen add`: one polite requests Session per command.

Every request names sitegen in its User-Agent, gives up after `timeout` seconds, and is retried
by urllib3 when the server is unreachable or answers 429 or 5xx: after `retry_delay` seconds,
then twice as long each time (or as long as a Retry-After header asks).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from sitegen import __version__
from sitegen.config import SourcesConfig

USER_AGENT = f"sitegen/{__version__} (research reading-list generator)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
ENV_ARXIV_API = "SITEGEN_ARXIV_API"
ENV_DOI_RESOLVER = "SITEGEN_DOI_RESOLVER"


def effective_sources(sources: SourcesConfig, env: Mapping[str, str]) -> SourcesConfig:
    """site.toml's `[sources]`, with the base URLs the environment overrides."""
    arxiv_api = env.get(ENV_ARXIV_API) or sources.arxiv_api
    doi_resolver = env.get(ENV_DOI_RESOLVER) or sources.doi_resolver
    return replace(sources, arxiv_api=arxiv_api, doi_resolver=doi_resolver)


class _Backoff(Retry):
    """urllib3's Retry, never retrying sooner than `pause` seconds (its first retry is
    otherwise immediate, and arXiv asks for 3 s between requests)."""

    def __init__(self, *args: Any, pause: float = 0.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pause = pause

    def new(self, **kwargs: Any) -> _Backoff:
        retry = super().new(**kwargs)
        assert isinstance(retry, _Backoff)
        retry.pause = self.pause
        return retry

    def get_backoff_time(self) -> float:
        return max(self.pause, float(super().get_backoff_time()))


class _PoliteAdapter(HTTPAdapter):
    """Adds sitegen's name to the User-Agent (before any library's own) and a timeout."""

    def __init__(self, sources: SourcesConfig) -> None:
        retry = _Backoff(
            total=sources.retries,
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            backoff_factor=sources.retry_delay,
            respect_retry_after_header=True,
            raise_on_status=False,  # the last answer is returned, and reported by its status
            pause=sources.retry_delay,
        )
        super().__init__(max_retries=retry)
        self.timeout = sources.timeout

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float | None, float | None] | None = None,
        verify: bool | str = True,
        cert: str | tuple[str, str] | None = None,
        proxies: dict[str, str] | None = None,
    ) -> requests.Response:
        agent = request.headers.get("User-Agent", "")
        agent = agent.decode("latin-1") if isinstance(agent, bytes) else agent
        if not agent.startswith("sitegen/"):
            request.headers["User-Agent"] = f"{USER_AGENT} {agent}".strip()
        timeout = self.timeout if timeout is None else timeout
        return super().send(request, stream, timeout, verify, cert, proxies)


def polite_session(sources: SourcesConfig) -> requests.Session:
    """A Session whose every http(s) request is named, timed out and retried as above."""
    session = requests.Session()
    adapter = _PoliteAdapter(sources)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = USER_AGENT
    return session


def describe_failure(service: str, err: requests.RequestException) -> str:
    """A one-line reason a request failed: offline, no such host, timed out, refused."""
    text = str(err)
    if isinstance(err, requests.Timeout) or "timed out" in text:
        return f"{service} did not answer in time (timed out); try again later"
    if "NameResolutionError" in text or "Name or service not known" in text:
        return f"cannot find {service}'s server (DNS lookup failed): are you offline?"
    if isinstance(err, requests.ConnectionError):
        return f"cannot connect to {service} (connection refused or network down)"
    if isinstance(err, requests.TooManyRedirects):
        return f"{service} redirected too many times"
    return f"request to {service} failed: {text.splitlines()[0] if text else type(err).__name__}"
