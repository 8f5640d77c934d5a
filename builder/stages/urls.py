"""URL normalisation for URL deduplication: the same page under another spelling is one key.

`normalize_url` folds what does not change the page: scheme (http/https), host case, a leading
`www.`, default ports, fragments, tracking parameters (`utm_*`, `?sr=`, `linkId`, click ids),
the order of the remaining parameters, a trailing slash and (optionally) `index.html`.
What names the page (host, path, other parameters such as `?id=42`) is kept.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import parse_qsl, urlencode, urlsplit

import xxhash

from builder.config import UrlDedupConfig

_INDEX_PAGES = ("/index.html", "/index.htm", "/index.php")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_tracking_param(name: str, patterns: Sequence[str]) -> bool:
    """True when the parameter matches a pattern (case-insensitive; `utm_*` matches a prefix)."""
    name = name.lower()
    for pattern in patterns:
        pattern = pattern.lower()
        if pattern.endswith("*") and name.startswith(pattern[:-1]) or name == pattern:
            return True
    return False


def normalize_url(url: str | None, cfg: UrlDedupConfig = UrlDedupConfig()) -> str | None:
    """The comparable form of a URL (`host/path?query`, no scheme), or None when there is no usable URL."""
    if not url or not url.strip():
        return None
    url = url.strip()
    if "://" not in url and not url.startswith("//"):
        url = "http://" + url
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    host = (parts.hostname or "").lower().rstrip(".")
    if not host:
        return None
    if host.startswith("www."):
        host = host[4:]
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme.lower()):
        host = f"{host}:{port}"
    path = parts.path or "/"
    if cfg.strip_index_pages:
        for page in _INDEX_PAGES:
            if path.lower().endswith(page):
                path = path[: -len(page)] + "/"
                break
    path = path.rstrip("/") or "/"
    query = ""
    if not cfg.drop_query and parts.query:
        params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k, cfg.tracking_params)]
        query = urlencode(sorted(params))
    return host + path + ("?" + query if query else "")


def url_key(url: str | None, cfg: UrlDedupConfig = UrlDedupConfig()) -> int:
    """63-bit hash of the normalised URL (fits int64), or -1 when there is none."""
    normalized = normalize_url(url, cfg)
    if normalized is None:
        return -1
    return xxhash.xxh3_64_intdigest(normalized.encode("utf-8")) >> 1
