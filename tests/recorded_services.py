"""A local HTTP server answering as arXiv's API and the DOI resolver did, from the responses
recorded in ../shared/fixtures/ (never edited): tests of `sitegen add` never touch the network.

Three liberties, each needed to serve recordings of single requests: a batched arXiv request
(`id_list=a,b`) is answered with the recorded entries of each id in one feed; ids are matched
without their version; and the resolver's hop for CSL-JSON (not recorded, only Crossref's
answer was) is a 302 to the recorded Crossref answer, as the recorded BibTeX hop is.
`/status/CODE/...` always answers CODE, to test retries.
"""

from __future__ import annotations

import contextlib
import http.server
import json
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

FIXTURES = Path(__file__).resolve().parent.parent.parent / "shared" / "fixtures"
CSL_JSON = "application/vnd.citationstyles.csl+json"


def _key(arxiv_id: str) -> str:
    return re.sub(r"v\d+$", "", arxiv_id)


def _arxiv_recordings() -> dict[str, tuple[int, bytes]]:
    found = {}
    for path in (FIXTURES / "arxiv").glob("id_*.json"):
        data = json.loads(path.read_text(encoding="utf-8"))
        id_list = parse_qs(urlsplit(data["url"]).query)["id_list"][0]
        # As the fixtures' README says: latin-1 gives back the bytes arXiv sent (UTF-8).
        found[_key(id_list)] = (data["status_code"], data["body"].encode("latin-1"))
    return found


def _doi_exchanges() -> list[dict[str, object]]:
    exchanges = []
    for path in (FIXTURES / "doi").glob("*.json"):
        exchanges += json.loads(path.read_text(encoding="utf-8"))["exchanges"]
    return exchanges


@dataclass
class Services:
    """The running server: its base URL and what it was asked."""

    base: str
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    """(path, Accept, User-Agent) of every request, in order."""
    csl_json: bool = True
    """False: answer CSL-JSON requests with 406, as an agency without CSL-JSON does."""


class _Handler(http.server.BaseHTTPRequestHandler):
    services: Services
    arxiv: dict[str, tuple[int, bytes]]
    doi: list[dict[str, object]]

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        accept = self.headers.get("Accept", "")
        self.services.requests.append((self.path, accept, self.headers.get("User-Agent", "")))
        status = re.match(r"/status/(\d{3})/", self.path)
        if status:
            self._answer(int(status.group(1)), b"busy", {"Content-Type": "text/plain"})
        elif self.path.startswith("/api/query"):
            self._arxiv()
        else:
            self._doi(accept)

    def _answer(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _arxiv(self) -> None:
        ids = parse_qs(urlsplit(self.path).query)["id_list"][0].split(",")
        recorded = [self.arxiv.get(_key(i)) for i in ids]
        if any(r is None for r in recorded):
            self._answer(599, b"not recorded", {})
            return
        if len(recorded) == 1:
            status, body = recorded[0]  # type: ignore[misc]
        else:  # one feed holding every recorded entry
            text = [r[1].decode("utf-8") for r in recorded if r]
            head = text[0][: text[0].find("<entry>")] if "<entry>" in text[0] else text[0][:-8]
            entries = [m for t in text for m in re.findall(r"<entry>.*?</entry>", t, re.S)]
            status, body = 200, (head + "".join(entries) + "</feed>\n").encode("utf-8")
        self._answer(status, body, {"Content-Type": "application/atom+xml"})

    def _doi(self, accept: str) -> None:
        path = unquote(self.path)
        matches = [e for e in self.doi if unquote(urlsplit(str(e["url"])).path) == path]
        wanted = [e for e in matches if e["accept"] == accept or _both_csl(accept, e)]
        wanted.sort(key=lambda e: e["status"] != 200)
        missing = [e for e in matches if e["status"] == 404]
        if wanted or missing:
            self._replay((wanted or missing)[0])
        elif accept.startswith(CSL_JSON) and self.services.csl_json and self._csl_target(path):
            location = self.services.base.rstrip("/") + self._csl_target(path)
            self._answer(302, b"", {"Location": location})
        elif accept.startswith(CSL_JSON):
            self._answer(406, b"", {})
        else:
            self._answer(599, b"not recorded", {})

    def _csl_target(self, path: str) -> str:
        for exchange in self.doi:
            target = urlsplit(str(exchange["url"])).path
            if target.endswith(path + "/transform/" + CSL_JSON) and exchange["status"] == 200:
                return target
        return ""

    def _replay(self, exchange: dict[str, object]) -> None:
        recorded = exchange["headers"]
        assert isinstance(recorded, dict)
        headers = {str(k).title(): str(v) for k, v in recorded.items()}
        if "Location" in headers:
            location = urlsplit(headers["Location"]).path
            headers["Location"] = self.services.base.rstrip("/") + location
        status = exchange["status"]
        assert isinstance(status, int)
        self._answer(status, str(exchange["body"]).encode("utf-8"), headers)


def _both_csl(accept: str, exchange: dict[str, object]) -> bool:
    return CSL_JSON in accept and CSL_JSON in str(exchange["accept"])


@contextlib.contextmanager
def recorded_services() -> Iterator[Services]:
    """Serve the recordings on a free loopback port."""
    handler = type("Handler", (_Handler,), {"arxiv": _arxiv_recordings(), "doi": _doi_exchanges()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    services = Services(f"http://127.0.0.1:{server.server_address[1]}/")
    handler.services = services
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield services
    finally:
        server.shutdown()
        server.server_close()
