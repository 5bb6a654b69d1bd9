"""Every string a person reads is marked for translation: in templates and in scripts.

Templates: Django's own Lexer splits each template; text inside ``{% blocktranslate %}`` and
``{% comment %}`` is set aside, every other tag and variable becomes a blank mark, and what is
left is read as HTML: its text (outside <script>, <style>, <code>, <kbd>, <samp>) and what people
see in attributes (placeholder, title, aria-label, alt, data-confirm, the value of input
buttons). A string
literal given to a filter that shows it (``default``, ``yesno``...) or to an ``include``/``with``
counts too, unless written ``_("...")``; ``pluralize`` is English-only and always reported.

Scripts: string literals that reach the page (assigned to textContent, title, placeholder...,
given to setAttribute for a seen attribute, to alert/confirm or DOM text methods, or the
prose values of a constant map like ``WORDS = {refused: "Refused"}``) must go through
gettext/ngettext/pgettext (``interpolate`` takes a translated pattern).

Only text with no word to translate passes unmarked: numbers, punctuation, symbols, the brand,
a few technical abbreviations that stay in Latin letters in every language of the line, and
unit symbols. Each test lists every offender with its file and line.
"""

import re
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.template.base import Lexer, TokenType

TEMPLATES = Path(settings.BASE_DIR) / "templates"
SCRIPTS = Path(settings.BASE_DIR) / "static" / "js"

# Words that are the same in every language of the line, so there is nothing to translate:
BRAND = {"Shopfloor"}
# technical abbreviations the line keeps in Latin letters (the catalogs' convention),
ABBREVIATIONS = {"USID", "QC", "SMD", "PDF", "CSV", "ZPL", "CFX", "API", "PIN", "ID", "Cpk"}
# and SI unit symbols written beside figures.
UNIT_SYMBOLS = {"s", "ms", "mm", "kg", "g"}
ALLOWED_WORDS = BRAND | ABBREVIATIONS | UNIT_SYMBOLS

WORD = re.compile(r"[^\W\d_]+")
MARK = "\x00"
SEEN_ATTRIBUTES = {"placeholder", "title", "aria-label", "alt", "data-confirm"}
BUTTON_INPUT_TYPES = {"submit", "button", "reset"}
# Elements whose text is no prose: scripts, styles, and what HTML marks as computer code, its
# output, or keys (<code>Authorization: Bearer</code>, <kbd>Esc</kbd>).
NOT_TEXT = {"script", "style", "code", "samp", "kbd"}
SHOWN_FILTER_ARGUMENT = re.compile(
    r"\|(?:default|default_if_none|yesno)\s*:\s*(?P<q>[\"'])(?P<text>.*?)(?P=q)"
)
KEYWORD_LITERAL = re.compile(r"\b\w+\s*=\s*(?P<q>[\"'])(?P<text>.*?)(?P=q)")
# A literal spelled like a name in code (part_image, scan-screen) names a field or an element.
IDENTIFIER = re.compile(r"[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+")
BLOCK_OPEN = {"blocktranslate", "blocktrans"}
BLOCK_CLOSE = {"endblocktranslate", "endblocktrans"}


KEY_CAP = re.compile(r"\bF\d{1,2}\b")  # F2, F9: the keys' own names


def words_to_translate(text):
    """The words of ``text`` a translator would have to translate."""
    return [word for word in WORD.findall(KEY_CAP.sub(" ", text)) if word not in ALLOWED_WORDS]


def _blank(text, shown=""):
    """``text`` as a mark (and the literal text it shows) that keeps its line breaks, so line
    numbers stay right; spaced, so that a tag inside an HTML tag stays apart from attributes."""
    return f" {MARK}{shown} " + "\n" * text.count("\n")


def template_skeleton(source, offenders, name):
    """The template as HTML with every tag and variable turned into a mark; strings that tags
    and filters show are checked on the way."""
    parts = []
    skipping = []  # the closing tag names of the blocks being skipped
    for token in Lexer(source).tokenize():
        raw = token.contents
        if token.token_type == TokenType.TEXT:
            parts.append(_blank(raw) if skipping else raw)
            continue
        full = {
            TokenType.VAR: "{{ %s }}",
            TokenType.BLOCK: "{%% %s %%}",
            TokenType.COMMENT: "{# %s #}",
        }[token.token_type] % raw
        command = raw.split()[0] if raw.split() else ""
        if token.token_type != TokenType.VAR or skipping:
            parts.append(_blank(full))
        else:
            # A literal a filter shows is text of the page where the variable stands: in a
            # class attribute it is no text, in a paragraph it is.
            shown = [m.group("text") for m in SHOWN_FILTER_ARGUMENT.finditer(raw)]
            parts.append(_blank(full, " ".join(shown)))
        if token.token_type == TokenType.COMMENT:
            continue
        if skipping:
            if command == skipping[-1] or (command in BLOCK_CLOSE and skipping[-1] in BLOCK_CLOSE):
                skipping.pop()
            continue
        if command in BLOCK_OPEN:
            skipping.append("endblocktranslate")
            continue
        if command in {"comment", "verbatim"}:
            skipping.append("end" + command)
            continue
        if command == "block" and raw.split()[1:2] == ["body_class"]:
            skipping.append("endblock")  # a block that fills a class attribute: no text
            continue
        _check_tag_literals(token, raw, command, offenders, name)
    return "".join(parts)


def _check_tag_literals(token, raw, command, offenders, name):
    literals = []
    if token.token_type == TokenType.BLOCK and command in {"include", "with"}:
        literals = [
            m.group("text")
            for m in KEYWORD_LITERAL.finditer(raw)
            if not IDENTIFIER.fullmatch(m.group("text"))
        ]
    for text in literals:
        if words_to_translate(text):
            offenders.append(f"{name}:{token.lineno}: {text!r} (in {{{{ {raw} }}}})")
    if re.search(r"\|\s*pluralize\b", raw):
        offenders.append(
            f"{name}:{token.lineno}: |pluralize is English only: use "
            "{% blocktranslate count %} (in " + raw + ")"
        )


class _TextReader(HTMLParser):
    def __init__(self, name, offenders):
        super().__init__(convert_charrefs=True)
        self.name = name
        self.offenders = offenders
        self.hidden = 0  # inside <script>, <style> or <code>/<kbd>/<samp> (code, key names)

    def _report(self, line, text, where=""):
        text = " ".join(text.replace(MARK, " ").split())
        if words_to_translate(text):
            self.offenders.append(f"{self.name}:{line}: {text!r}{where}")

    def handle_starttag(self, tag, attrs):
        if tag in NOT_TEXT:
            self.hidden += 1
        line = self.getpos()[0]
        values = dict(attrs)
        for attribute, value in attrs:
            if value is None:
                continue
            shown = attribute in SEEN_ATTRIBUTES or (
                attribute == "value"
                and tag == "input"
                and (values.get("type") or "").lower() in BUTTON_INPUT_TYPES
            )
            if shown:
                self._report(line, value, f" (attribute {attribute} of <{tag}>)")

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in NOT_TEXT:
            self.hidden -= 1

    def handle_endtag(self, tag):
        if tag in NOT_TEXT and self.hidden:
            self.hidden -= 1

    def handle_data(self, data):
        if self.hidden:
            return
        lead = len(data) - len(data.lstrip(f" \t\r\n{MARK}"))
        line = self.getpos()[0] + data[:lead].count("\n")
        self._report(line, data)


def _name(path):
    return (
        str(path.relative_to(settings.BASE_DIR))
        if path.is_relative_to(settings.BASE_DIR)
        else path.name
    )


def unmarked_template_strings(path):
    name = _name(path)
    offenders = []
    skeleton = template_skeleton(path.read_text(encoding="utf-8"), offenders, name)
    reader = _TextReader(name, offenders)
    reader.feed(skeleton)
    reader.close()
    return offenders


def test_every_string_of_every_template_is_marked_for_translation():
    offenders = []
    for path in sorted(TEMPLATES.rglob("*.html")):
        offenders += unmarked_template_strings(path)

    assert offenders == [], (
        f"{len(offenders)} strings shown unmarked for translation (wrap them in "
        "{% translate %} / {% blocktranslate %}):\n" + "\n".join(offenders)
    )


# Scripts -----------------------------------------------------------------------------------

TRANSLATED_CALL = re.compile(r"\b(?:n|p|np)?gettext\s*\(")
LITERAL = re.compile(r"\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*'|`(?:[^`\\]|\\.)*`")
TEXT_PROPERTY = re.compile(
    r"\.(?:textContent|innerText|innerHTML|title|placeholder|alt|ariaLabel|label)\s*=(?!=)"
)
SEEN_SET_ATTRIBUTE = re.compile(
    r"\.setAttribute\(\s*[\"'](?:aria-label|title|placeholder|alt|data-confirm|"
    r"aria-valuetext|aria-description)[\"']\s*,"
)
TEXT_CALL = re.compile(
    r"(?:\balert|\bconfirm|\bprompt|\bsay|\.append|\.prepend|\.replaceChildren|\.before|"
    r"\.after|createTextNode|insertAdjacentText)\s*\("
)
CONSTANT_MAP = re.compile(r"\bconst\s+[A-Z][A-Z0-9_]*\s*=\s*\{")
PROSE = re.compile(r"^[A-Z][a-z]|[a-z]{2,}\s+[a-z]{2,}")


def _strip_comments(source):
    """``source`` with comments blanked (line breaks kept), string literals untouched."""
    out, index = [], 0
    pattern = re.compile(r"//[^\n]*|/\*.*?\*/|" + LITERAL.pattern, re.S)
    for match in pattern.finditer(source):
        out.append(source[index : match.start()])
        text = match.group()
        is_comment = text.startswith("//") or text.startswith("/*")
        out.append(re.sub(r"[^\n]", " ", text) if is_comment else text)
        index = match.end()
    out.append(source[index:])
    return "".join(out)


def _span_end(source, start, closers=";\n"):
    """Where the expression starting at ``start`` ends: at depth 0, a closing bracket of an
    enclosing expression or one of ``closers`` (a line break only ends it when the line does
    not go on with an operator)."""
    depth, index = 0, start
    while index < len(source):
        literal = LITERAL.match(source, index)
        if literal:
            index = literal.end()
            continue
        char = source[index]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return index
            depth -= 1
        elif depth == 0 and char in closers:
            if char != "\n":
                return index
            rest = source[index:].lstrip()
            before = source[start:index].rstrip()
            if not (rest[:1] in "?:+.|&" or before[-1:] in "?:+=(,|&"):
                return index
        index += 1
    return index


def _without_translated_calls(text):
    """``text`` with every gettext-family call (and its arguments) removed."""
    while match := TRANSLATED_CALL.search(text):
        end = _span_end(text, match.end(), closers="")
        text = text[: match.start()] + text[end + 1 :]
    return text


ESCAPE = re.compile(r"\\(?:u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)")
OPTION_VALUE = re.compile(r"[{,]\s*\w+\s*:\s*$")  # { month: "long" }: an option, not text
COMPARED = re.compile(r"[=!]==?\s*$")  # state === "signed_out": a code, not text
COMPARED_TO = re.compile(r"\s*[=!]==?")


def _unmarked_literals(expression):
    found = []
    text = _without_translated_calls(expression)
    for match in LITERAL.finditer(text):
        before, after = text[: match.start()], text[match.end() :]
        if OPTION_VALUE.search(before) or COMPARED.search(before) or COMPARED_TO.match(after):
            continue
        literal = match.group()
        body = ESCAPE.sub(" ", re.sub(r"\$\{[^}]*\}", " ", literal[1:-1]))
        if words_to_translate(body):
            found.append(literal)
    return found


def unmarked_script_strings(path):
    name = _name(path)
    source = _strip_comments(path.read_text(encoding="utf-8"))
    offenders = []

    def report(position, literals):
        line = source.count("\n", 0, position) + 1
        offenders.extend(f"{name}:{line}: {literal}" for literal in literals)

    for pattern in (TEXT_PROPERTY, SEEN_SET_ATTRIBUTE, TEXT_CALL):
        for match in pattern.finditer(source):
            closers = ";\n" if pattern is TEXT_PROPERTY else ""
            end = _span_end(source, match.end(), closers=closers)
            report(match.start(), _unmarked_literals(source[match.end() : end]))
    for match in CONSTANT_MAP.finditer(source):
        end = _span_end(source, match.end(), closers="")
        body = source[match.end() : end]
        values = re.findall(r":\s*(" + LITERAL.pattern + ")", _without_translated_calls(body))
        prose = [value for value in values if PROSE.search(value[1:-1])]
        report(match.start(), [v for v in prose if words_to_translate(v[1:-1])])
    return offenders


def test_every_string_the_scripts_show_goes_through_gettext():
    offenders = []
    for path in sorted(SCRIPTS.glob("*.js")):
        offenders += unmarked_script_strings(path)

    assert offenders == [], (
        f"{len(offenders)} strings shown by scripts without gettext():\n" + "\n".join(offenders)
    )


# The checks themselves catch what they are meant to catch ------------------------------------


def _template_offenders(tmp_path, source):
    path = tmp_path / "probe.html"
    path.write_text(source, encoding="utf-8")
    return unmarked_template_strings(path)


def test_the_template_check_reports_unmarked_text_and_attributes_with_their_lines(tmp_path):
    source = (
        '{% load i18n %}<h1>{% translate "Parts" %}</h1>\n'
        "<p>Scan the unit</p>\n"
        '<input placeholder="Type a USID" aria-label="{% translate "USID" %}">\n'
        '<input type="submit" value="Save">\n'
        "{% blocktranslate %}Left as it is {{ x }}{% endblocktranslate %}\n"
        '{{ value|default:"Nothing yet" }} {{ count }} item{{ count|pluralize }}\n'
        "<script>const ignored = 'in a script';</script>{# a comment #}\n"
        "<p>Shopfloor · USID 42 %</p>\n"
    )

    offenders = _template_offenders(tmp_path, source)

    assert sorted(offenders) == [
        "probe.html:2: 'Scan the unit'",
        "probe.html:3: 'Type a USID' (attribute placeholder of <input>)",
        "probe.html:4: 'Save' (attribute value of <input>)",
        "probe.html:6: 'Nothing yet item'",
        "probe.html:6: |pluralize is English only: use {% blocktranslate count %} "
        "(in count|pluralize)",
    ]


def test_the_script_check_reports_unmarked_literals_and_accepts_gettext(tmp_path):
    path = tmp_path / "probe.js"
    path.write_text(
        'const WORDS = { recorded: gettext("Recorded"), refused: "Refused", code: \'x_y\' };\n'
        'label.textContent = gettext("Page %(n)s");\n'
        "other.textContent = ok\n"
        '  ? "Sent"\n'
        '  : interpolate(gettext("%(n)s left"), {n: 2}, true);\n'
        "button.setAttribute(\"aria-label\", 'Close the calendar');\n"
        'node.className = "btn btn-primary";\n'
        '// note.textContent = "in a comment";\n'
        'window.alert("Saved " + count + " units");\n',
        encoding="utf-8",
    )
    offenders = unmarked_script_strings(path)

    assert offenders == [
        'probe.js:3: "Sent"',
        "probe.js:6: 'Close the calendar'",
        'probe.js:9: "Saved "',
        'probe.js:9: " units"',
        'probe.js:1: "Refused"',
    ]
