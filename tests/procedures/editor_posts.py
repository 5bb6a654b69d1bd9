"""Builds the posts the procedure editor's form sends, as a browser would."""

import html as html_module
import re
from html.parser import HTMLParser

from procedures.drafts import empty_field, empty_stage


def stage(key, label=None, **attributes):
    label = key.upper() if label is None else label
    return {**empty_stage(), "key": key, "label": label, **attributes}


def field(key, label=None, **attributes):
    label = key.title() if label is None else label
    return {**empty_field(), "key": key, "label": label, **attributes}


def editor_post(stages=(), fields=(), *, base_version=None, **extra):
    """The editor form's data holding ``stages`` and ``fields`` rows, plus ``extra`` inputs."""
    data = {
        "base_version": "" if base_version is None else str(base_version),
        "stages-TOTAL_FORMS": str(len(stages)),
        "stages-INITIAL_FORMS": "0",
        "fields-TOTAL_FORMS": str(len(fields)),
        "fields-INITIAL_FORMS": "0",
    }
    for index, row in enumerate(stages):
        prefix = f"stages-{index}-"
        data |= {
            prefix + "origin": row["origin"],
            prefix + "key": row["key"],
            prefix + "label": row["label"],
            prefix + "result": row["result"],
            prefix + "instructions": row["instructions"],
            prefix + "media": list(row["media"]),
        }
        if row["optional"]:
            data[prefix + "optional"] = "on"
    for index, row in enumerate(fields):
        prefix = f"fields-{index}-"
        data |= {
            prefix + "origin": row["origin"],
            prefix + "key": row["key"],
            prefix + "label": row["label"],
            prefix + "type": row["type"],
            prefix + "stage": row["stage"],
            prefix + "choices": "\n".join(row["choices"]),
            prefix + "help": row["help"],
            prefix + "unit": row["unit"],
            prefix + "min": row["min"],
            prefix + "max": row["max"],
            prefix + "default": row["default"],
        }
        if row["required"]:
            data[prefix + "required"] = "on"
        if row["unique"]:
            data[prefix + "unique"] = "on"
    return data | extra


class _FormReader(HTMLParser):
    """Collects the values the editor's inputs show, by input name."""

    def __init__(self):
        super().__init__()
        self.values = {}
        self.readonly = set()
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            if attrs.get("type") == "checkbox":
                if "checked" in attrs:
                    self.values.setdefault(name, []).append(attrs.get("value", "on"))
            else:
                self.values[name] = attrs.get("value", "")
            if "readonly" in attrs:
                self.readonly.add(name)
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.values[self._select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def shown_rows(html, kind="stages"):
    """The rows of the editor as rendered: a list of {attribute: value} in page order."""
    reader = _FormReader()
    reader.feed(html)
    rows = []
    index = 0
    while f"{kind}-{index}-key" in reader.values:
        prefix = f"{kind}-{index}-"
        row = {
            name[len(prefix) :]: value
            for name, value in reader.values.items()
            if name.startswith(prefix)
        }
        row["key_readonly"] = f"{prefix}key" in reader.readonly
        rows.append(row)
        index += 1
    return rows


def shown_keys(html, kind="stages"):
    return [row["key"] for row in shown_rows(html, kind)]


def text_of(html):
    """What a reader sees of some HTML: its text, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", html_module.unescape(re.sub(r"<[^>]+>", " ", html))).strip()
