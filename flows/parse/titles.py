"""Tell a page's headline from its outlet when trafilatura has swapped them.

trafilatura splits a ``<title>`` such as "Naver Corp. signs AI chip MOU | Korea
Tech Times" at the bar and takes the part with a dot in it for the site's name
(a dot suggests a domain): a headline with "Corp.", "U.S." or "$1.5" in it then
becomes the outlet, and the outlet the headline. About one page in ten has such
a title (issue 14). A headline has more words than an outlet's name; when the
"site name" is the longer, headline-like part, the two are swapped back.
"""

from __future__ import annotations

import re

__all__ = ["headline_and_outlet"]

_HEADLINE_WORDS = 4  # an outlet's name has fewer ("Korea Tech Times", "연합뉴스")
_DOMAIN = re.compile(r"^[\w-]+(\.[\w-]+)+$")  # "ktt.example", "zdnet.co.kr"


def headline_and_outlet(title: str | None, sitename: str | None) -> tuple[str | None, str | None]:
    """The page's headline and outlet, swapped back when the outlet looks like the headline.

    :param title: the title trafilatura found.
    :param sitename: the site name trafilatura found.
    """
    if not sitename or _DOMAIN.match(sitename):
        return title, sitename
    site_words, title_words = len(sitename.split()), len((title or "").split())
    if site_words >= _HEADLINE_WORDS and site_words > title_words:
        return sitename, title
    return title, sitename
