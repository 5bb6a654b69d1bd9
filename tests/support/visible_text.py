"""What a person reads on a page, and which of it is English left untranslated.

A page's own content is its ``<main>``: the texts of its elements and the attributes a person
sees or hears (placeholder, title, aria-label, alt, and the confirmation a button asks). An
English leftover is such a text that is, word for word, the English source of a catalog
entry from the given templates whose translation differs from it.
"""

from functools import cache
from html.parser import HTMLParser

import polib
from django.conf import settings

SEEN_ATTRIBUTES = ("placeholder", "title", "aria-label", "alt", "data-confirm")
SKIPPED = ("script", "style", "template")
VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _MainTexts(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # elements open inside <main>, 0 outside it
        self.skipping = 0
        self.texts = []

    def handle_starttag(self, tag, attrs):
        if tag == "main" and not self.depth:
            self.depth = 1
            return
        if not self.depth:
            return
        if tag not in VOID:
            self.depth += 1
            self.skipping += tag in SKIPPED
        self.texts += [value.strip() for name, value in attrs if name in SEEN_ATTRIBUTES and value]

    def handle_startendtag(self, tag, attrs):
        if self.depth:
            self.texts += [v.strip() for name, v in attrs if name in SEEN_ATTRIBUTES and v]

    def handle_endtag(self, tag):
        if not self.depth or tag in VOID:
            return
        self.skipping -= tag in SKIPPED
        self.depth -= 1

    def handle_data(self, data):
        if self.depth and not self.skipping and data.strip():
            self.texts.append(" ".join(data.split()))


def visible_texts(html):
    """The texts and seen attributes inside the page's ``<main>``, stripped."""
    parser = _MainTexts()
    parser.feed(html)
    return parser.texts


@cache
def _english_sources(language, prefixes):
    catalog = polib.pofile(str(settings.LOCALE_PATHS[0] / language / "LC_MESSAGES" / "django.po"))
    return frozenset(
        entry.msgid
        for entry in catalog
        if not entry.msgid_plural
        and "%(" not in entry.msgid
        and entry.msgstr
        and entry.msgstr != entry.msgid
        and any(path.startswith(prefixes) for path, _line in entry.occurrences)
    )


def english_leftovers(html, language, *prefixes):
    """The visible texts of ``html`` that are untranslated English of templates under
    ``prefixes`` (e.g. "templates/parts/")."""
    sources = _english_sources(language, prefixes)
    return sorted({text for text in visible_texts(html) if text in sources})
