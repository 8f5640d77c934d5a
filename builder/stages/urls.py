"""URL normalisation for URL deduplication: the same page under another spelling is one key.

`normalize_url` folds what does not change the page: scheme (http/https), host case, a leading
`www.`, default ports, fragments, tracking parameters (`utm_*`, `?sr=`, `linkId`, click ids),
the order of the remaining parameters, a trailing slash and (optionally) `index.html`.
What names the page (host, path, other parameters such as `?id=42`) is kept.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from urllib.parse import SplitResult, parse_qsl, urlencode, urlsplit

import xxhash

from builder.config import UrlDedupConfig

_INDEX_PAGES = ("/index.html", "/index.htm", "/index.php")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# The common shape of a URL: an optional scheme, '//', a plain host (ASCII letters, digits, '.',
# '-', '_') and port, then path, query and fragment without spaces or control chars (which
# urlsplit strips or removes). Split by this one pattern, it gives the same parts as urlsplit, for
# a fraction of its Python steps; any other URL goes through urlsplit itself.
_PLAIN_HOST_CHAR = r"[A-Za-z0-9._\-]"
_PLAIN_URL = re.compile(
    rf"(?:([A-Za-z][A-Za-z0-9+.\-]*):)?//({_PLAIN_HOST_CHAR}+(?::[0-9]*)?)((?:/[^?#\x00-\x20]*)?)"
    r"(?:\?([^#\x00-\x20]*))?(?:#([^\x00-\x20]*))?"
)
_PLAIN_HOST = re.compile(f"{_PLAIN_HOST_CHAR}*")


def split_url(url: str) -> SplitResult:
    """`urllib.parse.urlsplit(url)` (the same parts, the same errors)."""
    plain = _PLAIN_URL.fullmatch(url)
    if plain is None:
        return urlsplit(url)
    scheme, netloc, path, query, fragment = plain.groups("")
    return SplitResult(scheme.lower(), netloc, path, query, fragment)


def hostname(parts: SplitResult) -> str:
    """`parts.hostname`, or "" for none. A plain host (letters, digits, '.', '-', '_'; no user
    part, no '[') is lower-cased as it is: urllib's property takes several Python steps per call."""
    host = parts.netloc.partition(":")[0]
    if _PLAIN_HOST.fullmatch(host) and "@" not in parts.netloc and "[" not in parts.netloc:
        return host.lower()
    return parts.hostname or ""


def is_tracking_param(name: str, patterns: Sequence[str]) -> bool:
    """True when the parameter matches a pattern (case-insensitive; `utm_*` matches a prefix)."""
    return _tracking_matcher(tuple(patterns))(name)


@lru_cache(maxsize=16)
def _tracking_matcher(patterns: tuple[str, ...]):
    """`is_tracking_param` for one list of patterns, lower-cased and sorted out once: the exact
    names in a set, the prefixes (of `prefix*`) in a tuple for str.startswith."""
    lowered = [pattern.lower() for pattern in patterns]
    names = frozenset(lowered)
    prefixes = tuple(pattern[:-1] for pattern in lowered if pattern.endswith("*"))

    def matches(name: str) -> bool:
        name = name.lower()
        return name in names or name.startswith(prefixes)

    return matches


def normalize_url(url: str | None, cfg: UrlDedupConfig = UrlDedupConfig()) -> str | None:
    """The comparable form of a URL (`host/path?query`, no scheme), or None when there is no usable URL."""
    if not url or not url.strip():
        return None
    url = url.strip()
    if "://" not in url and not url.startswith("//"):
        url = "http://" + url
    try:
        parts = split_url(url)
        port = parts.port if ":" in parts.netloc else None
    except ValueError:
        return None
    host = hostname(parts).lower().rstrip(".")  # (urllib leaves an IPv6 zone as it is)
    if not host:
        return None
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    path = parts.path or "/"
    if cfg.strip_index_pages and path.lower().endswith(_INDEX_PAGES):
        path = path[: path.rindex("/") + 1]  # (an index page is the path's last segment)
    path = path.rstrip("/") or "/"
    query = ""
    if not cfg.drop_query and parts.query:
        is_tracking = _tracking_matcher(tuple(cfg.tracking_params))
        params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking(k)]
        query = urlencode(sorted(params))
    return host + path + ("?" + query if query else "")


def url_key(url: str | None, cfg: UrlDedupConfig = UrlDedupConfig()) -> int:
    """63-bit hash of the normalised URL (fits int64), or -1 when there is none."""
    normalized = normalize_url(url, cfg)
    if normalized is None:
        return -1
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8")) >> 1
