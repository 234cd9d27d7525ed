"""``Link: <url>; rel="next"`` pagination, guarded against loops and other hosts.

The next URL is resolved against the URL of the page that announced it (relative links are
the norm); it must keep the registry's scheme and host, and each URL is followed once.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from ..errors import RegistryError

MAX_PAGES = 10_000
_LINK = re.compile(r"<([^>]*)>\s*((?:;\s*[^;,]*)*)")
_REL_NEXT = re.compile(r""";\s*rel\s*=\s*"?([^";]*)"?""")


def parse_next_link(header: str | None) -> str | None:
    """The ``rel="next"`` target of a Link header (unresolved), or None."""
    if not header:
        return None
    for match in _LINK.finditer(header):
        for rel in _REL_NEXT.findall(match.group(2)):
            if "next" in rel.split():
                return match.group(1).strip()
    return None


class Pager:
    """Remembers followed URLs of one listing and vets each next link."""

    def __init__(self, first_url: str, *, input: str) -> None:
        parts = urlsplit(first_url)
        self._origin = (parts.scheme, parts.netloc)
        self._seen = {first_url}
        self._input = input

    def next_url(self, page_url: str, link_header: str | None) -> str | None:
        """Absolute URL of the next page, None at the end; RegistryError if it is unsafe."""
        target = parse_next_link(link_header)
        if target is None:
            return None
        url = urljoin(page_url, target)
        parts = urlsplit(url)
        if (parts.scheme, parts.netloc) != self._origin:
            raise RegistryError(
                f"{self._input}: refusing pagination link to another host ({parts.scheme}://{parts.netloc})",
                input=self._input,
                hint="the registry (or a proxy) sent a Link header pointing elsewhere",
            )
        if url in self._seen:
            raise RegistryError(
                f"{self._input}: pagination loops (page {parts.path}?{parts.query} was already read)",
                input=self._input,
                hint="the registry's Link header repeats a page; the listing would never end",
            )
        if len(self._seen) >= MAX_PAGES:
            raise RegistryError(
                f"{self._input}: more than {MAX_PAGES} pages",
                input=self._input,
                hint="the registry keeps sending next-page links",
            )
        self._seen.add(url)
        return url
