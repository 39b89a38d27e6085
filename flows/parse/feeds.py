"""Parse feed bytes into :class:`~flows.core.models.FeedEntry` records (no network).

The HTTP layer hands over the body and its ``Content-Type``; this module turns
them into typed entries with canonical URLs and stable keys.

* **Encoding.** The HTTP charset wins over the XML declaration (RFC 7303), which
  fixes the common Korean case of an EUC-KR feed that declares ``utf-8``.
  Without a usable charset, a feed that feedparser could only read as a western
  single-byte encoding is re-decoded as UTF-8 or CP949 (a superset of EUC-KR)
  when that gives Hangul, and parsed again.
* **Text.** Titles and summaries are plain text. ``content_html`` is kept when
  the feed carries a real body (``content:encoded`` or Atom ``content`` of at
  least :data:`MIN_BODY_CHARS` characters of text, not shorter than the summary).
* **Keys.** :attr:`FeedEntry.key` is the canonical URL, or
  ``guid:<sha1(canonical feed url + guid)>`` for an item whose only identity is
  its guid.
* **Google News.** Its RSS links are opaque ``news.google.com`` URLs. The pure
  halves of resolving them live here (:func:`decode_google_news_link`,
  :func:`google_news_decoding_request`, :func:`parse_google_news_decoding_response`);
  the I/O is in :mod:`flows.parse.gnews`.
"""

from __future__ import annotations

import base64
import binascii
import codecs
import hashlib
import json
import logging
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, quote, unquote_plus, urljoin, urlsplit, urlunsplit
from xml.sax import SAXParseException

import feedparser

from flows.core.errors import ParseError
from flows.core.models import FeedEntry, ParsedFeed
from flows.core.text import HANGUL
from flows.parse.charsets import codec_name

__all__ = [
    "canonicalize_url",
    "decode_google_news_link",
    "google_news_decoding_request",
    "is_google_news_link",
    "parse_feed",
    "parse_google_news_decoding_response",
]

logger = logging.getLogger(__name__)

#: A feed body (as text) at least this long counts as the article itself.
MIN_BODY_CHARS = 400
#: A summary made from a full body is cut to about this many characters.
SUMMARY_CHARS = 500

# --------------------------------------------------------------------------- #
# Plain text from feed HTML
# --------------------------------------------------------------------------- #

_BLOCK_TAGS = frozenset(
    {
        *("address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt"),
        *("figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6"),
        *("header", "hr", "li", "main", "nav", "ol", "p", "pre", "section", "table"),
        *("tbody", "td", "tfoot", "th", "thead", "tr", "ul"),
    }
)
_SKIP_TAGS = frozenset({"script", "style", "template", "noscript"})
_SPACES = re.compile(r"[^\S\n]+")
_NEWLINES = re.compile(r"\s*\n\s*")


class _TextCollector(HTMLParser):
    """Collect the text of an HTML fragment, with a newline per block element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP_TAGS:
            self._skipping += 1
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP_TAGS:
            self._skipping = max(0, self._skipping - 1)
        elif tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def _html_to_text(value: str | None, *, one_line: bool = False) -> str:
    """Return the plain text of an HTML fragment (entities unescaped, spaces collapsed)."""
    if not value:
        return ""
    if "<" in value or "&" in value:
        collector = _TextCollector()
        collector.feed(value)
        collector.close()
        value = "".join(collector.parts)
    if one_line:
        return " ".join(value.split())
    value = _SPACES.sub(" ", value.replace("\xa0", " "))
    return _NEWLINES.sub("\n", value).strip()


def _shorten(text: str, limit: int = SUMMARY_CHARS) -> str:
    """Cut ``text`` at a word boundary near ``limit`` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


# --------------------------------------------------------------------------- #
# URL canonicalisation
# --------------------------------------------------------------------------- #

_TRACKING_PARAMS = frozenset(
    {
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "cmpid",
        "dclid",
        "fbclid",
        "gbraid",
        "gclid",
        "gclsrc",
        "icid",
        "igsh",
        "igshid",
        "li_fat_id",
        "mc_cid",
        "mc_eid",
        "mkt_tok",
        "msclkid",
        "ncid",
        "ocid",
        "oly_anon_id",
        "oly_enc_id",
        "rb_clickid",
        "ref_src",
        "ref_url",
        "s_cid",
        "spm",
        "sr_share",
        "ttclid",
        "twclid",
        "vero_conv",
        "vero_id",
        "wbraid",
        "wt.mc_id",
        "yclid",
        "ysclid",
        "__twitter_impression",
    }
)
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Host prefixes of mobile, AMP and "www" variants of the same site.
_HOST_PREFIXES = ("www.", "m.", "mobile.", "amp.")
# Second-level labels under country codes ("co.kr"): never strip down to one.
_GENERIC_SLDS = frozenset(
    {"ac", "co", "com", "edu", "go", "gov", "ne", "net", "or", "org", "pe", "re"}
)
_HOST_CHARS = re.compile(r"^[a-z0-9_-]+(?:\.[a-z0-9_-]+)*$")
_URL_SAFE = "!$&'()*+,/:;=?@[]~-._%"
_ESCAPE = re.compile(r"%([0-9a-fA-F]{2})")
_BARE_PERCENT = re.compile(r"%(?![0-9A-F]{2})")
_AMP_SUFFIX = re.compile(r"(?:\.amp)+(\.html?)$", re.IGNORECASE)

_NAVER_NEWS_HOSTS = frozenset({"news.naver.com", "m.news.naver.com", "n.news.naver.com"})
_NAVER_ARTICLE_PATH = re.compile(r"^/(?:mnews/)?article/(\d+)/(\d+)/?$")

_GOOGLE_NEWS_HOST = "news.google.com"
_GOOGLE_ARTICLE_PATH = re.compile(r"^/(?:__i/rss/rd/)?(?:rss/)?(?:articles|read)/([A-Za-z0-9_-]+)")


def canonicalize_url(url: str) -> str:
    """Return the canonical form of an http(s) URL, used as a comparison key.

    The rules, applied in this order:

    * scheme and host lower-cased; IDN hosts in punycode; trailing dot, default
      port and fragment dropped;
    * **host variants are merged onto the bare host**: leading ``www.``, ``m.``,
      ``mobile.`` and ``amp.`` labels are removed (``m.yna.co.kr`` and
      ``www.yna.co.kr`` both give ``yna.co.kr``) unless only a public suffix such
      as ``co.kr`` would remain. The result is a key; fetch ``FeedEntry.link``;
    * Naver News: ``m.news.naver.com``, ``news.naver.com/...read...?oid=&aid=``
      and ``n.news.naver.com/mnews/article/...`` all become
      ``https://n.news.naver.com/article/{oid}/{aid}``;
    * Google News article links become ``https://news.google.com/rss/articles/{id}``;
    * AMP paths are undone: ``amp`` path segments are removed and ``.amp.html``
      becomes ``.html``; ``amp``/``outputType=amp`` query parameters are dropped;
    * tracking parameters (``utm_*``, ``fbclid``, ``gclid`` and the like) are
      dropped and the rest sorted by name (repeated names keep their order);
    * path and query are percent-encoded consistently (UTF-8, upper-case hex).

    The function is idempotent. It never raises: anything that is not an
    absolute http(s) URL, or cannot be parsed, comes back stripped but
    otherwise unchanged.
    """
    text = url.strip() if isinstance(url, str) else ""
    try:
        return _canonicalize(text)
    except (ValueError, UnicodeError):
        return text


def _canonicalize(text: str) -> str:
    parts = urlsplit(text)
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return text
    port = parts.port  # ValueError for a bad port: the caller returns the input
    raw_host = parts.hostname
    userinfo = parts.netloc.rpartition("@")[0] if "@" in parts.netloc else ""

    if raw_host in _NAVER_NEWS_HOSTS and not userinfo and port in (None, _DEFAULT_PORTS[scheme]):
        naver = _naver_article(parts.path, parts.query)
        if naver:
            return naver

    host = _normalize_host(raw_host)
    path = _requote(parts.path) or "/"

    if host == _GOOGLE_NEWS_HOST:
        match = _GOOGLE_ARTICLE_PATH.match(path)
        if match:
            return f"https://{host}/rss/articles/{match.group(1)}"

    path = _strip_amp_path(path)
    query = _clean_query(parts.query)

    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit((scheme, netloc, path, query, ""))


def _normalize_host(host: str) -> str:
    """Lower-case, punycode and strip the variant prefixes of a host name."""
    host = host.rstrip(".").lower()
    if ":" in host:  # an IPv6 literal
        return host
    # A host the IDNA codec refuses (empty label, U+FFFD...) raises UnicodeError:
    # canonicalize_url() then returns its input unchanged.
    host = host.encode("idna").decode("ascii")
    if not _HOST_CHARS.match(host):
        raise ValueError(f"not a host name: {host!r}")
    labels = host.split(".")
    if labels[-1].isdigit():  # an IPv4 address
        return host
    stripped = True
    while stripped:
        stripped = False
        for prefix in _HOST_PREFIXES:
            rest = host[len(prefix) :]
            if host.startswith(prefix) and _is_site_host(rest):
                host, stripped = rest, True
                break
    return host


def _is_site_host(host: str) -> bool:
    """Tell whether ``host`` still names a site (not just ``co.kr`` or ``com``)."""
    labels = host.split(".")
    if len(labels) < 2 or not all(labels):
        return False
    return not (len(labels) == 2 and labels[0] in _GENERIC_SLDS)


def _naver_article(path: str, query: str) -> str | None:
    """Return the ``n.news.naver.com`` form of a Naver News article URL, if it is one."""
    match = _NAVER_ARTICLE_PATH.match(path)
    if match:
        oid, aid = match.groups()
    else:
        params = dict(parse_qsl(query))
        oid, aid = params.get("oid", ""), params.get("aid", "")
        if not (oid.isdigit() and aid.isdigit() and "read" in path):
            return None
    return f"https://n.news.naver.com/article/{oid}/{aid}"


def _requote(value: str) -> str:
    """Percent-encode what must be encoded and upper-case existing escapes."""
    value = _ESCAPE.sub(lambda m: "%" + m.group(1).upper(), value)
    value = _BARE_PERCENT.sub("%25", value)
    return quote(value, safe=_URL_SAFE)


def _strip_amp_path(path: str) -> str:
    segments = [s for s in path.split("/") if s.lower() != "amp"]
    path = "/".join(segments) or "/"
    if not path.startswith("/"):
        path = "/" + path
    return _AMP_SUFFIX.sub(r"\1", path)


def _is_tracking_param(name: str, value: str) -> bool:
    name = unquote_plus(name).strip().lower()
    if name in _TRACKING_PARAMS or name.startswith(_TRACKING_PREFIXES):
        return True
    if name == "amp":
        return True
    return name == "outputtype" and unquote_plus(value).strip().lower() == "amp"


def _clean_query(query: str) -> str:
    kept: list[tuple[str, str]] = []
    for piece in query.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        if _is_tracking_param(name, value):
            continue
        kept.append((unquote_plus(name), _requote(piece)))
    kept.sort(key=lambda item: item[0])  # stable: repeated names keep their order
    return "&".join(piece for _, piece in kept)


# --------------------------------------------------------------------------- #
# Google News links
# --------------------------------------------------------------------------- #

_BATCHEXECUTE_PATH = "/_/DotsSplashUi/data/batchexecute"
_DECODE_RPC = "Fbv4je"
# The client-context part of a "garturlreq" call. The maintained open-source
# decoders send these placeholder values; the article is named by the id,
# timestamp and signature that follow it.
_GARTURLREQ_CONTEXT: list[Any] = [
    ["X", "X", ["X", "X"], None, None, 1, 1, "US:en", None, 1, None, None, None, None, None, 0, 1],
    "X",
    "X",
    1,
    [1, 1, 1],
    1,
    1,
    None,
    0,
    0,
    None,
    0,
]


def _google_article_id(url: str, *, any_host: bool = False) -> str | None:
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS:
        return None
    if not any_host and (parts.hostname or "") != _GOOGLE_NEWS_HOST:
        return None
    match = _GOOGLE_ARTICLE_PATH.match(parts.path)
    return match.group(1) if match else None


def is_google_news_link(url: str) -> bool:
    """Tell whether ``url`` is a Google News article link (``/rss/articles/``, ``/articles/``, ``/read/``)."""
    return _google_article_id(url) is not None


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    value = shift = 0
    while True:
        if pos >= len(data) or shift > 63:
            raise ValueError("truncated varint")
        byte = data[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, pos
        shift += 7


def _protobuf_strings(data: bytes) -> Iterator[tuple[int, bytes]]:
    """Yield ``(field number, payload)`` for each length-delimited field of a message."""
    pos = 0
    while pos < len(data):
        key, pos = _read_varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            _, pos = _read_varint(data, pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            size, pos = _read_varint(data, pos)
            if pos + size > len(data):
                raise ValueError("truncated field")
            yield field, data[pos : pos + size]
            pos += size
        else:
            raise ValueError(f"unsupported wire type {wire}")


def _as_http_url(value: bytes | str, *, strict: bool = True) -> str | None:
    """Return ``value`` if it is an absolute http(s) URL (``strict``: without spaces)."""
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return None
    value = value.strip()
    if strict and any(ch.isspace() or ord(ch) < 32 for ch in value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme.lower() in _DEFAULT_PORTS and parts.hostname:
        return value
    return None


def decode_google_news_link(url: str) -> str | None:
    """Return the publisher URL held in an old-style Google News link, offline.

    Until mid-2024 the article id was URL-safe base64 of a small protobuf
    message whose field 4 is the publisher URL (and field 26 its AMP URL).
    Current ids hold an opaque token there (starting ``AU_yqL``) instead, and
    for those, or anything that does not decode, this returns None.
    """
    article_id = _google_article_id(url)
    if article_id is None:
        return None
    try:
        payload = base64.urlsafe_b64decode(article_id + "=" * (-len(article_id) % 4))
        fields = list(_protobuf_strings(payload))
    except (binascii.Error, ValueError):
        return None
    candidates = [value for number, value in fields if number == 4]
    candidates += [value for number, value in fields if number != 4]
    for value in candidates:
        found = _as_http_url(value)
        if found:
            return found
    return None


class _SignatureFinder(HTMLParser):
    """Find the element carrying ``data-n-a-sg`` and ``data-n-a-ts``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: tuple[str, str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.found is None:
            values = dict(attrs)
            signature, timestamp = values.get("data-n-a-sg"), values.get("data-n-a-ts")
            if signature and timestamp:
                self.found = (signature.strip(), timestamp.strip())


def google_news_decoding_request(url: str, page_html: str) -> tuple[str, dict[str, str]] | None:
    """Build the batchexecute call that turns a current Google News link into its URL.

    :param url: the Google News article link whose page was fetched. Only its
        path is read for the id, so the host may be a test server; the
        endpoint returned is on the same scheme and host.
    :param page_html: that article page, which carries the ``data-n-a-sg``
        (signature) and ``data-n-a-ts`` (timestamp) attributes.
    :returns: ``(endpoint, form)`` to POST as ``application/x-www-form-urlencoded``
        (the form's one field is ``f.req``), or None when the id or the
        attributes are missing.
    """
    article_id = _google_article_id(url, any_host=True)
    if article_id is None:
        return None
    finder = _SignatureFinder()
    finder.feed(page_html)
    finder.close()
    if finder.found is None:
        return None
    signature, timestamp = finder.found
    stamp: int | str = int(timestamp) if timestamp.isdigit() else timestamp
    call = json.dumps(
        ["garturlreq", _GARTURLREQ_CONTEXT, article_id, stamp, signature],
        separators=(",", ":"),
    )
    envelope = json.dumps([[[_DECODE_RPC, call, None, "generic"]]], separators=(",", ":"))
    parts = urlsplit(url.strip())
    endpoint = f"{parts.scheme.lower()}://{parts.netloc}{_BATCHEXECUTE_PATH}"
    return endpoint, {"f.req": envelope}


def _json_values(text: str) -> Iterator[Any]:
    """Yield each JSON value of a batchexecute body (plain or length-chunked)."""
    decoder = json.JSONDecoder()
    pos, end = 0, len(text)
    while pos < end:
        while pos < end and text[pos].isspace():
            pos += 1
        if pos >= end:
            return
        try:
            value, pos = decoder.raw_decode(text, pos)
        except ValueError:
            return
        yield value


def _find_rpc_rows(value: Any, depth: int = 0) -> Iterator[list[Any]]:
    if not isinstance(value, list) or depth > 4:
        return
    if value and value[0] == "wrb.fr":
        yield value
        return
    for item in value:
        yield from _find_rpc_rows(item, depth + 1)


def parse_google_news_decoding_response(body: str) -> str | None:
    """Return the publisher URL from a batchexecute answer, or None.

    The body starts with the ``)]}'`` guard line, then one JSON array (or
    several, each after its length on a line of its own). The row
    ``["wrb.fr", "Fbv4je", "<json>", ...]`` carries, as a JSON string,
    ``["garturlres", "<url>", ...]``.
    """
    text = body.lstrip("\ufeff")
    if text.startswith(")]}'"):
        text = text[4:]
    for value in _json_values(text):
        for row in _find_rpc_rows(value):
            payload = row[2] if len(row) > 2 else None
            if isinstance(payload, str):
                try:
                    payload = json.loads(payload)
                except ValueError:
                    continue
            if (
                isinstance(payload, list)
                and len(payload) > 1
                and payload[0] == "garturlres"
                and isinstance(payload[1], str)
            ):
                found = _as_http_url(payload[1])
                if found:
                    return found
    return None


# --------------------------------------------------------------------------- #
# Feed parsing
# --------------------------------------------------------------------------- #

_KOREAN_CHARSETS = frozenset({"euc_kr", "cp949", "iso2022_kr", "johab"})
_WESTERN_CHARSETS = frozenset({"ascii", "cp1252", "iso8859_1", "iso8859_2", "iso8859_15"})
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_CHARSET_PARAM = re.compile(r"""charset\s*=\s*["']?([^"';\s]+)""", re.IGNORECASE)
_HTML_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_WARNINGS = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
)


def _http_charset(content_type: str | None) -> str | None:
    match = _CHARSET_PARAM.search(content_type or "")
    return match.group(1).strip() if match else None


def _feedparser_headers(url: str, charset: str | None) -> dict[str, str]:
    """Headers for feedparser: always an XML type, with the charset we trust.

    The media type is what feedparser uses to choose between the HTTP charset and
    the XML declaration; we decide that ourselves, and recognise non-feeds by
    their content rather than their ``Content-Type``.
    """
    content_type = "application/xml"
    if charset:
        content_type += f"; charset={charset}"
    return {"content-type": content_type, "content-location": url}


def _redecode_charset(content: bytes, parsed: Any) -> str | None:
    """Return a better charset when feedparser fell back to a western one, else None."""
    used = codec_name(parsed.get("encoding"))
    overridden = isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride)
    if used not in _WESTERN_CHARSETS and not (overridden and used not in _KOREAN_CHARSETS):
        return None
    if content.isascii():
        return None
    body = content[3:] if content.startswith(codecs.BOM_UTF8) else content
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return "utf-8" if used != "utf_8" else None
    try:
        text = body.decode("cp949")
    except UnicodeDecodeError:
        return None
    non_ascii = sum(1 for ch in text if ord(ch) > 127)
    hangul = len(HANGUL.findall(text))
    return "cp949" if non_ascii and hangul * 2 >= non_ascii else None


def _describe(exc: BaseException | None) -> str:
    """Return a one-line description of a feedparser ``bozo_exception``."""
    if exc is None:
        return "malformed feed"
    if isinstance(exc, SAXParseException):
        message = f"line {exc.getLineNumber()}, column {exc.getColumnNumber()}: {exc.getMessage()}"
    else:
        message = str(exc) or type(exc).__name__
    message = " ".join(message.split())
    if not isinstance(exc, _WARNINGS):
        message = f"malformed XML: {message}"
    return message[:200]


def _html_hint(content: bytes, url: str) -> str:
    """Return a hint pointing at the feed an HTML page advertises, if any."""
    finder = _AlternateFinder()
    finder.feed(content[:200_000].decode("utf-8", "replace"))
    finder.close()
    if finder.feeds:
        return f"Hint: the page advertises a feed at {urljoin(url, finder.feeds[0])}."
    return "Hint: use the site's RSS or Atom address, not a web page."


class _AlternateFinder(HTMLParser):
    """Collect ``<link rel="alternate" type="application/rss+xml|atom+xml">`` hrefs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.feeds: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "link":
            return
        values = {k: (v or "") for k, v in attrs}
        rel = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower()
        if "alternate" in rel and kind.endswith(("rss+xml", "atom+xml")) and values.get("href"):
            self.feeds.append(values["href"].strip())


def parse_feed(
    content: bytes,
    *,
    url: str,
    content_type: str | None = None,
    max_entries: int = 500,
) -> ParsedFeed:
    """Parse a feed body into a :class:`ParsedFeed`.

    :param content: the response body, as bytes (feedparser treats a ``str``
        as a URL or file path).
    :param url: the feed's final URL: the base for relative links and part of
        ``guid:`` keys.
    :param content_type: the response ``Content-Type``; its charset wins over
        the XML declaration.
    :param max_entries: keep at most this many entries, in feed order.
    :returns: the entries and, for a malformed but readable feed, ``problem``.
    :raises ParseError: for an empty body, an HTML page, or XML that gives no
        entry.
    """
    if not isinstance(content, bytes | bytearray):
        raise TypeError("parse_feed() needs the body as bytes")
    content = bytes(content)
    if not content.strip():
        raise ParseError(f"Feed {url} is empty. Hint: check that the URL serves a feed.")

    parsed, notes = _decode_and_parse(content, url, content_type)
    version = parsed.get("version") or ""
    exc = parsed.get("bozo_exception") if parsed.get("bozo") else None
    raw_entries = parsed.get("entries") or []
    entries = _collect_entries(raw_entries, url=url, content=content, max_entries=max_entries)

    if not entries:
        looks_html = _HTML_START.match(content[:4096]) or "html" in (content_type or "").lower()
        if not version and looks_html:
            raise ParseError(
                f"Feed {url} is an HTML page, not an RSS or Atom feed. {_html_hint(content, url)}"
            )
        if not version:
            problem = _describe(exc) if exc is not None else "no RSS or Atom root element"
            raise ParseError(f"Feed {url} could not be parsed: {problem}.")
        if exc is not None and not isinstance(exc, _WARNINGS):
            raise ParseError(f"Feed {url} has no readable entries: {_describe(exc)}.")
    if exc is not None:
        notes.append(_describe(exc))

    feed = parsed.get("feed") or {}
    return ParsedFeed(
        title=_html_to_text(feed.get("title"), one_line=True),
        entries=tuple(entries),
        problem="; ".join(dict.fromkeys(notes)) or None,
    )


def _decode_and_parse(content: bytes, url: str, content_type: str | None) -> tuple[Any, list[str]]:
    """Run feedparser with the charset we trust; re-run once if that was wrong."""
    charset = _http_charset(content_type)
    if codec_name(charset) is None:
        charset = None
    if charset is None:
        declared = _XML_DECLARATION.match(content[:500])
        if declared and codec_name(declared.group(1).decode("ascii")) == "euc_kr":
            charset = "cp949"  # EUC-KR text often holds CP949-only syllables
    elif codec_name(charset) == "euc_kr":
        charset = "cp949"

    parsed = _feedparser_parse(content, url, charset)
    notes: list[str] = []
    better = _redecode_charset(content, parsed)
    if better:
        notes.append(
            f"encoding mis-declared (read as {parsed.get('encoding')}); decoded as {better}"
        )
        logger.info("feed %s: re-decoding as %s", url, better)
        parsed = _feedparser_parse(content, url, better)
    return parsed, notes


def _feedparser_parse(content: bytes, url: str, charset: str | None) -> Any:
    """feedparser on bytes; its own crashes on odd input become a ParseError.

    feedparser 6.0 raises on some malformed input instead of setting ``bozo``
    (an unclosed ``<title>`` inside ``<image>`` makes ``_end_width`` call
    ``int(None)``; found by tests/test_fuzz.py).
    """
    try:
        return feedparser.parse(content, response_headers=_feedparser_headers(url, charset))
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, RecursionError) as exc:
        raise ParseError(
            f"feed {url}: feedparser could not read it ({type(exc).__name__}: {exc}); "
            "the feed is malformed"
        ) from exc


def _collect_entries(
    raw_entries: list[Any], *, url: str, content: bytes, max_entries: int
) -> list[FeedEntry]:
    """Turn feedparser entries into FeedEntry records: usable, unique, capped."""
    key_base = canonicalize_url(url)
    entries: list[FeedEntry] = []
    seen: set[str] = set()
    skipped = 0
    for raw in raw_entries:
        if len(entries) >= max_entries:
            logger.info(
                "feed %s: kept the first %d of %d entries", url, max_entries, len(raw_entries)
            )
            break
        entry = _make_entry(raw, url=url, key_base=key_base, content=content)
        if entry is None:
            skipped += 1
        elif entry.key not in seen:
            seen.add(entry.key)
            entries.append(entry)
    if skipped:
        logger.debug("feed %s: skipped %d entries with neither link nor guid", url, skipped)
    return entries


def _entry_link(raw: Any, url: str, content: bytes) -> str | None:
    """Return the entry's absolute http(s) link, or None."""
    link = None
    for candidate in raw.get("links") or []:
        if candidate.get("rel", "alternate") == "alternate" and candidate.get("href"):
            link = candidate["href"]
            break
    if link is None and raw.get("link"):
        link = raw["link"]
        # feedparser resolves a permalink guid such as "12345" against the feed
        # URL, inventing a link; trust a guid link only if it is written out whole.
        if raw.get("guidislink") and not _written_out(link, content):
            return None
    if not link:
        return None
    try:
        link = urljoin(url, link.strip())
    except ValueError:
        return None
    return _as_http_url(link, strict=False)


def _written_out(value: str, content: bytes) -> bool:
    """Tell whether ``value`` appears in the raw feed (plain or with ``&amp;``)."""
    plain = value.encode("utf-8")
    return plain in content or value.replace("&", "&amp;").encode("utf-8") in content


def _raw_guid(guid: str, url: str, content: bytes) -> str:
    """Undo feedparser's resolution of a relative permalink guid such as ``12345``."""
    if not guid or _written_out(guid, content) or _as_http_url(guid) is None:
        return guid
    parts = urlsplit(guid)
    path_query = parts.path + (f"?{parts.query}" if parts.query else "")
    for candidate in (parts.path.rsplit("/", 1)[-1], parts.path, path_query):
        element_text = f">{candidate.strip()}<".encode()
        if candidate and element_text in content and urljoin(url, candidate) == guid:
            return candidate
    return guid


def _published(raw: Any) -> datetime | None:
    for name in ("published_parsed", "updated_parsed"):
        # dict.get: FeedParserDict maps a missing "updated_parsed" to
        # "published_parsed" with a DeprecationWarning.
        value = dict.get(raw, name)
        if isinstance(value, time.struct_time):
            try:
                return datetime(*value[:6], tzinfo=UTC)
            except (ValueError, OverflowError):
                continue
    return None


def _split_publisher(title: str, raw: Any, link: str | None) -> tuple[str, str | None]:
    """Return the title without its `` - Publisher`` suffix, and the publisher."""
    source = raw.get("source") or {}
    publisher = _html_to_text(source.get("title"), one_line=True) or None
    if publisher:
        suffix = f" - {publisher}"
        if title.endswith(suffix) and len(title) > len(suffix):
            title = title[: -len(suffix)].rstrip()
        return title, publisher
    if link and is_google_news_link(link):
        head, sep, tail = title.rpartition(" - ")
        if sep and head.strip() and 0 < len(tail.strip()) <= 50:
            return head.rstrip(), tail.strip()
    return title, None


def _make_entry(raw: Any, *, url: str, key_base: str, content: bytes) -> FeedEntry | None:
    link = _entry_link(raw, url, content)
    canonical = canonicalize_url(link) if link else None
    guid = _raw_guid((raw.get("id") or "").strip(), url, content) or None
    if canonical:
        key = canonical
    elif guid:
        key = "guid:" + hashlib.sha1((key_base + guid).encode("utf-8")).hexdigest()
    else:
        return None

    title = _html_to_text(raw.get("title"), one_line=True)
    title, publisher = _split_publisher(title, raw, link)

    summary_html = raw.get("summary") or ""
    bodies = [c.get("value") or "" for c in raw.get("content") or []]
    body_html = max(bodies, key=len, default="")
    body_text = _html_to_text(body_html)
    # feedparser copies the body into "summary" when there is no summary element.
    summary = "" if summary_html == body_html else _html_to_text(summary_html)
    content_html = None
    if len(body_text) >= MIN_BODY_CHARS and len(body_text) >= len(summary):
        content_html = body_html
    if not summary and body_text:
        summary = _shorten(body_text)

    author = _html_to_text(raw.get("author"), one_line=True) or None
    return FeedEntry(
        key=key,
        link=link,
        canonical_url=canonical,
        guid=guid,
        title=title,
        summary=summary,
        content_html=content_html,
        published=_published(raw),
        author=author,
        publisher=publisher,
    )
