"""The translation catalogs are complete, current with the code, and compiled as committed.

A fresh clone shows every language without a build step because the compiled .mo files are
committed; these tests make sure they say what the .po files say, that Hindi and Spanish
translate every string (keeping its placeholders and HTML), and that ``make messages`` would
find no string in the code that the catalogs do not have yet.
"""

import re
import shutil
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

BASE_DIR = Path(settings.BASE_DIR)
LOCALE = BASE_DIR / "locale"
LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
DOMAINS = ["django", "djangojs"]
CATALOGS = [(language, domain) for language in LANGUAGES for domain in DOMAINS]

PLACEHOLDER = re.compile(r"%\(\w+\)[sdifr]|%[sdifr]|\{\w*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")


def po_of(language, domain):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / f"{domain}.po"))


def translations(catalog):
    """What a catalog translates: {(context, msgid): msgstr or the plural forms}."""
    found = {}
    for entry in catalog:
        if entry.obsolete or "fuzzy" in entry.flags or not entry.msgid:
            continue
        if entry.msgid_plural:
            forms = tuple(entry.msgstr_plural[index] for index in sorted(entry.msgstr_plural))
            if all(forms):
                found[(entry.msgctxt, entry.msgid)] = forms
        elif entry.msgstr:
            found[(entry.msgctxt, entry.msgid)] = entry.msgstr
    return found


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_the_committed_mo_file_is_compiled_from_the_current_po_file(language, domain, tmp_path):
    compiled = tmp_path / f"{domain}.mo"
    po_of(language, domain).save_as_mofile(str(compiled))
    committed = LOCALE / language / "LC_MESSAGES" / f"{domain}.mo"

    assert committed.exists(), f"{committed} is not committed: run make messages"
    differ = sorted(
        str(key)
        for key in translations(polib.mofile(str(compiled))).items()
        ^ translations(polib.mofile(str(committed))).items()
    )
    assert differ == [], f"{committed} differs from its .po file (run make messages):\n" + (
        "\n".join(differ)
    )


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_every_string_is_translated_and_none_is_left_fuzzy(language, domain):
    catalog = po_of(language, domain)
    done = translations(catalog)
    missing = [
        f"{', '.join(f'{path}:{line}' for path, line in entry.occurrences[:2])}: {entry.msgid!r}"
        + (" (fuzzy)" if "fuzzy" in entry.flags else "")
        for entry in catalog
        if not entry.obsolete and (entry.msgctxt, entry.msgid) not in done
    ]

    assert missing == [], f"{len(missing)} strings without a {language} translation:\n" + (
        "\n".join(missing)
    )


def _same_marks(source, translated):
    return sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translated)) and (
        sorted(HTML_TAG.findall(source)) == sorted(HTML_TAG.findall(translated))
    )


@pytest.mark.parametrize(("language", "domain"), CATALOGS)
def test_translations_keep_the_placeholders_and_html_of_their_source(language, domain):
    wrong = []
    for (_context, msgid), translated in translations(po_of(language, domain)).items():
        if isinstance(translated, tuple):
            # A plural form may leave out the count ("one row" for "%(n)s rows").
            wrong += [f"{msgid!r} → {t!r}" for t in translated if not _marks_kept(msgid, t)]
        elif not _same_marks(msgid, translated):
            wrong.append(f"{msgid!r} → {translated!r}")

    assert wrong == [], "translations whose placeholders or HTML differ:\n" + "\n".join(wrong)


def _marks_kept(source, translated):
    kept = set(PLACEHOLDER.findall(translated))
    return kept <= set(PLACEHOLDER.findall(source)) and (
        sorted(HTML_TAG.findall(source)) == sorted(HTML_TAG.findall(translated))
    )


def test_the_placeholder_check_catches_a_lost_or_renamed_placeholder_and_broken_html():
    assert _same_marks("Unit %(usid)s is on hold.", "यूनिट %(usid)s होल्ड पर है।")
    assert not _same_marks("Unit %(usid)s is on hold.", "La unidad %(usd)s está retenida.")
    assert not _same_marks("%(n)s of %(total)s", "%(n)s de")
    assert not _same_marks('<a href="%(url)s">jobs</a>', '<a href="%(url)s">trabajos')


def _messages_ignore_patterns():
    """The --ignore patterns of ``make messages``, read from the Makefile (one source)."""
    makefile = (BASE_DIR / "Makefile").read_text()
    line = re.search(r"^MESSAGES_IGNORE\s*:=(.*)$", makefile, re.M).group(1)
    return re.findall(r"--ignore=(\S+)", line)


SOURCE_SUFFIXES = {".py", ".html", ".txt", ".js"}


def _not_sources(ignored):
    """copytree's filter: what makemessages reads, without the catalogs and ignored folders."""
    top = {pattern for pattern in ignored if "/" not in pattern} | {"locale"}

    def ignore(folder, names):
        at_top = Path(folder) == BASE_DIR
        return [
            name
            for name in names
            if name.startswith(".")
            or (at_top and name in top)
            or ((Path(folder) / name).is_file() and Path(name).suffix not in SOURCE_SUFFIXES)
        ]

    return ignore


@pytest.mark.parametrize("domain", DOMAINS)
def test_make_messages_would_find_no_string_the_catalogs_do_not_have(
    domain, tmp_path, monkeypatch, settings
):
    """makemessages runs over a copy of the project's sources (it writes work files beside the
    templates it reads, and must not see the committed catalogs) and writes into a scratch
    folder; every msgid it finds must be in each committed .po."""
    if shutil.which("xgettext") is None:
        pytest.fail("xgettext is missing: apt-get install gettext (.ci/run does)")
    project = tmp_path / "project"
    ignored = _messages_ignore_patterns()
    shutil.copytree(BASE_DIR, project, ignore=_not_sources(ignored))
    scratch = tmp_path / "locale"
    settings.LOCALE_PATHS = [scratch]
    monkeypatch.chdir(project)

    call_command(
        "makemessages",
        locale=LANGUAGES,
        domain=domain,
        ignore_patterns=ignored,
        verbosity=0,
    )

    for language in LANGUAGES:
        fresh = polib.pofile(str(scratch / language / "LC_MESSAGES" / f"{domain}.po"))
        committed = {(entry.msgctxt, entry.msgid) for entry in po_of(language, domain)}
        missing = [
            f"{entry.occurrences[0][0]}:{entry.occurrences[0][1]}: {entry.msgid!r}"
            for entry in fresh
            if entry.msgid and (entry.msgctxt, entry.msgid) not in committed
        ]
        assert missing == [], (
            f"{len(missing)} strings of the code are not in locale/{language}/LC_MESSAGES/"
            f"{domain}.po: run make messages and translate them:\n" + "\n".join(missing)
        )
