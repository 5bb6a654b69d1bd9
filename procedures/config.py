"""procedure_config version 1: its shape, its defaults and its validation.

A procedure is JSON an engineer edits (and that import/export carries), so every problem is
reported with the exact place it sits in, the way a person would point at it::

    stages[2].key: "QC" must be lowercase letters, digits and underscores ...

``validate_procedure_config`` returns the config normalised (every optional key written out
with its default) or raises one ``ValidationError`` listing every problem found. It never
touches the database: the caller passes what it needs to know about the saved procedure (its
previous config, and the columns its unit table already has).
"""

import json
import re

from django.core.exceptions import ValidationError

from parts.unit_tables.naming import (
    BASE_COLUMNS,
    KEY_MAX_LENGTH,
    KEY_PATTERN,
    field_columns,
    stage_columns,
)
from shopfloor.characters import first_refused

CONFIG_VERSION = 1
LABEL_MAX_LENGTH = 100
CHOICE_MAX_LENGTH = 255
# Caps that keep a procedure within what a screen, a person and a unit table can hold: each
# stage makes up to 4 columns, each field one, so the caps alone stay under any database's
# column limit (retired and dropped columns are counted separately, see _check_capacity).
MAX_STAGES = 100
MAX_FIELDS = 200
MAX_CHOICES = 200
INSTRUCTIONS_MAX_LENGTH = 5000
HELP_MAX_LENGTH = 1000

STAGE_RESULTS = ("done", "pass_fail")
FIELD_TYPES = ("text", "integer", "decimal", "boolean", "date", "choice")
MEDIA = ("form_image", "part_image", "qc_video", "testing_video")

TOP_LEVEL_KEYS = ("version", "stages", "fields", "usid_pattern", "usid_example")
USID_PATTERN_MAX_LENGTH = 200
USID_EXAMPLE_MAX_LENGTH = 64
STAGE_KEYS = ("key", "label", "optional", "result", "instructions", "media")
FIELD_KEYS = ("key", "label", "type", "required", "stage", "choices", "help")


def _quoted(value, limit=60):
    """``value`` as a message shows it: quoted, shortened, unprintable characters escaped (a
    lone surrogate could not even be sent in a page)."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=first_refused(value) is not None)
    else:
        text = repr(value)
    return text if len(text) <= limit else f"{text[: limit - 1]}…"


class _Problems:
    """Collects problems, each naming where it is."""

    def __init__(self):
        self.messages = []

    def add(self, where, message):
        self.messages.append(f"{where}: {message}")

    def raise_if_any(self):
        if self.messages:
            raise ValidationError(
                [ValidationError(message, code="invalid_procedure") for message in self.messages]
            )


def _noun(where):
    """What an entry path names, as a message says it: "a stage" for ``stages[2]``."""
    if where.startswith("stages["):
        return "a stage"
    if where.startswith("fields["):
        return "a field"
    return "a procedure"


def _key_example(key):
    """ ", e.g. "burn_in"" when the refused key turns into a valid one that way."""
    suggestion = re.sub(r"[^a-z0-9]+", "_", str(key).lower()).strip("_")
    if suggestion and KEY_PATTERN.fullmatch(suggestion) and len(suggestion) <= KEY_MAX_LENGTH:
        return f', e.g. "{suggestion}"'
    return ""


def _check_unknown_keys(problems, where, entry, allowed):
    unknown = sorted(str(key) for key in entry if key not in allowed)
    if unknown:
        names = ", ".join(_quoted(key) for key in unknown)
        noun = _noun(where)
        problems.add(
            where,
            f"{names} is not something {noun} can have; {noun} has: {', '.join(allowed)}.",
        )


def _check_key(problems, where, key):
    if not isinstance(key, str) or not key:
        problems.add(
            f"{where}.key",
            "A key is needed: a short name in lowercase letters, digits and underscores, "
            "such as burn_in.",
        )
        return False
    if not KEY_PATTERN.fullmatch(key) or len(key) > KEY_MAX_LENGTH:
        problems.add(
            f"{where}.key",
            f"{_quoted(key)} cannot be a key: use lowercase letters, digits and underscores, "
            f"starting with a letter, at most {KEY_MAX_LENGTH} characters{_key_example(key)}.",
        )
        return False
    if "__" in key or key.endswith("_"):
        problems.add(
            f"{where}.key",
            f"{_quoted(key)} cannot be a key: it may not have two underscores in a row or end "
            "with an underscore.",
        )
        return False
    return True


def _check_label(problems, where, label):
    if not isinstance(label, str) or not label.strip():
        problems.add(f"{where}.label", "A label is needed: the name people see on the screens.")
    elif len(label) > LABEL_MAX_LENGTH:
        problems.add(
            f"{where}.label", f"The label is too long: at most {LABEL_MAX_LENGTH} characters."
        )
    else:
        _check_printable(problems, f"{where}.label", label)


def _check_printable(problems, where, text, *, line_breaks=False):
    """Refuse control and format characters (NUL, a right-to-left override, a lone
    surrogate): PostgreSQL cannot even store some, and none can be printed. Instructions and
    help texts may keep line breaks and tabs."""
    if line_breaks:
        text = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    found = first_refused(text)
    if found is not None:
        position, name = found
        problems.add(
            where,
            f"The text has the character {name} at position {position}, which cannot be "
            "shown or printed; remove it.",
        )


def _normalise_usid_rule(problems, config):
    """The optional ``usid_pattern`` (a regular expression a new unit's USID matches in full)
    and ``usid_example`` (a USID that matches it, quoted when a scan does not)."""
    rule = {}
    pattern = config.get("usid_pattern")
    example = config.get("usid_example")
    if "usid_pattern" in config and pattern not in ("", None):
        if not isinstance(pattern, str):
            problems.add("usid_pattern", "The USID pattern must be text, e.g. ^PWR-[0-9]{4}$.")
        elif len(pattern) > USID_PATTERN_MAX_LENGTH:
            problems.add(
                "usid_pattern",
                f"The USID pattern is {len(pattern)} characters long; at most "
                f"{USID_PATTERN_MAX_LENGTH} are allowed.",
            )
        else:
            _check_printable(problems, "usid_pattern", pattern)
            try:
                compiled = re.compile(pattern)
            except (re.error, RecursionError, OverflowError) as error:
                problems.add(
                    "usid_pattern",
                    f"The USID pattern is not a valid regular expression ({error}); check its "
                    "brackets and special characters.",
                )
            else:
                rule["usid_pattern"] = pattern
                if isinstance(example, str) and example and not compiled.fullmatch(example):
                    problems.add(
                        "usid_example",
                        f"The example USID {_quoted(example)} does not fit the USID pattern "
                        f"{_quoted(pattern)}; change one of them.",
                    )
    if "usid_example" in config and example not in ("", None):
        if not isinstance(example, str):
            problems.add("usid_example", "The example USID must be text, e.g. PWR-0001.")
        elif len(example) > USID_EXAMPLE_MAX_LENGTH or not re.fullmatch(r"[!-~][ -~]*", example):
            problems.add(
                "usid_example",
                f"The example {_quoted(example)} cannot be a USID: use letters, digits and "
                f"signs without accents, at most {USID_EXAMPLE_MAX_LENGTH} characters.",
            )
        else:
            rule["usid_example"] = example
    return rule


def _check_bool(problems, where, value):
    if not isinstance(value, bool):
        problems.add(where, f"This must be yes or no (true or false), not {_quoted(value)}.")


def _normalise_stage(problems, where, stage):
    if not isinstance(stage, dict):
        problems.add(where, "Each stage must be written as an object with a key and a label.")
        return None
    _check_unknown_keys(problems, where, stage, STAGE_KEYS)
    key_ok = _check_key(problems, where, stage.get("key"))
    _check_label(problems, where, stage.get("label"))
    normalised = {
        "key": stage.get("key"),
        "label": stage.get("label"),
        "optional": stage.get("optional", False),
        "result": stage.get("result", "done"),
    }
    _check_bool(problems, f"{where}.optional", normalised["optional"])
    if normalised["result"] not in STAGE_RESULTS:
        problems.add(
            f"{where}.result",
            f"{_quoted(normalised['result'])} is not a kind of result; choose "
            f"{' or '.join(STAGE_RESULTS)}.",
        )
    if "instructions" in stage:
        if not isinstance(stage["instructions"], str):
            problems.add(f"{where}.instructions", "The instructions must be text.")
        elif len(stage["instructions"]) > INSTRUCTIONS_MAX_LENGTH:
            problems.add(
                f"{where}.instructions",
                f"The instructions are too long: at most {INSTRUCTIONS_MAX_LENGTH:,} characters.",
            )
        else:
            _check_printable(
                problems, f"{where}.instructions", stage["instructions"], line_breaks=True
            )
        normalised["instructions"] = stage["instructions"]
    if "media" in stage:
        media = stage["media"]
        if not isinstance(media, list):
            problems.add(
                f"{where}.media", f"The media must be a list naming any of: {', '.join(MEDIA)}."
            )
        else:
            for index, item in enumerate(media):
                if item not in MEDIA:
                    problems.add(
                        f"{where}.media[{index}]",
                        f"{_quoted(item)} is not a kind of media a stage can show; choose from: "
                        f"{', '.join(MEDIA)}.",
                    )
        normalised["media"] = media
    return normalised if key_ok else None


def _normalise_field(problems, where, field, stage_keys):
    if not isinstance(field, dict):
        problems.add(
            where, "Each field must be written as an object with a key, a label and a type."
        )
        return None
    _check_unknown_keys(problems, where, field, FIELD_KEYS)
    key_ok = _check_key(problems, where, field.get("key"))
    _check_label(problems, where, field.get("label"))
    normalised = {
        "key": field.get("key"),
        "label": field.get("label"),
        "type": field.get("type"),
        "required": field.get("required", False),
    }
    if normalised["type"] not in FIELD_TYPES:
        problems.add(
            f"{where}.type",
            f"{_quoted(normalised['type'])} is not a type of field; choose one of: "
            f"{', '.join(FIELD_TYPES)}.",
        )
    _check_bool(problems, f"{where}.required", normalised["required"])
    if "stage" in field and field["stage"] is not None:
        if not isinstance(field["stage"], str) or field["stage"] not in stage_keys:
            problems.add(
                f"{where}.stage",
                f"{_quoted(field['stage'])} is not a stage of this procedure; choose one of its "
                "stages, or none.",
            )
        normalised["stage"] = field["stage"]
    if "help" in field:
        if not isinstance(field["help"], str):
            problems.add(f"{where}.help", "The help must be text.")
        elif len(field["help"]) > HELP_MAX_LENGTH:
            problems.add(
                f"{where}.help", f"The help is too long: at most {HELP_MAX_LENGTH:,} characters."
            )
        else:
            _check_printable(problems, f"{where}.help", field["help"], line_breaks=True)
        normalised["help"] = field["help"]
    choices = field.get("choices")
    if normalised["type"] == "choice":
        _check_choices(problems, f"{where}.choices", choices)
        normalised["choices"] = choices
    elif choices is not None:
        problems.add(
            f"{where}.choices",
            'Only a field of type "choice" has choices; remove them or make the type "choice".',
        )
    return normalised if key_ok else None


def _check_choices(problems, where, choices):
    if not isinstance(choices, list) or not choices:
        problems.add(where, 'A field of type "choice" needs its choices: enter at least one.')
        return
    if len(choices) > MAX_CHOICES:
        problems.add(
            where, f"There are {len(choices):,} choices; at most {MAX_CHOICES} are allowed."
        )
        return
    seen = set()
    for index, choice in enumerate(choices):
        if not isinstance(choice, str) or not choice.strip():
            problems.add(f"{where}[{index}]", "A choice cannot be empty.")
        elif len(choice) > CHOICE_MAX_LENGTH:
            problems.add(
                f"{where}[{index}]",
                f"This choice is too long: at most {CHOICE_MAX_LENGTH} characters.",
            )
        elif choice in seen:
            problems.add(f"{where}[{index}]", f"{_quoted(choice)} is listed twice; keep one.")
        else:
            _check_printable(problems, f"{where}[{index}]", choice)
            seen.add(choice)


def _check_changed_keys(problems, entries, previous_entries, list_name):
    """A saved key may not change: an entry that keeps its label but swaps its key is refused.

    Removing an entry and adding another is allowed (the old column is retired, the new one
    added); a new key under the very label of an entry that disappeared is how a renamed key
    looks, and renaming would silently orphan the data under the old key.
    """
    keys = {entry["key"] for entry in entries}
    gone_by_label = {
        old.get("label"): old.get("key")
        for old in previous_entries
        if isinstance(old, dict) and old.get("key") not in keys
    }
    old_keys = {old.get("key") for old in previous_entries if isinstance(old, dict)}
    for index, entry in enumerate(entries):
        old_key = gone_by_label.get(entry["label"])
        if old_key and entry["key"] not in old_keys:
            problems.add(
                f"{list_name}[{index}].key",
                f"The key cannot change from {_quoted(old_key)} to {_quoted(entry['key'])} "
                "once saved: the units' data is kept under the old key. To start afresh, "
                "remove the entry and save, then add a new one.",
            )


def _describe_owner(owner):
    kind, _sep, key = owner.partition(":")
    return f'{kind} "{key}"'


def _check_columns(problems, stages, fields, applied_schema):
    """Every column the procedure asks for is free: not a base column, not another entry's.

    A column the unit table already has (kept even when its entry was removed) belongs to
    that entry for good, so a new key may not make a column of the same name.
    """
    existing = (applied_schema or {}).get("columns", {})
    wanted = [
        (f"stages[{index}]", f"stage:{stage['key']}", stage_columns(stage["key"], "pass_fail"))
        for index, stage in enumerate(stages)
    ] + [
        (f"fields[{index}]", f"field:{field['key']}", [field_columns(field["key"])])
        for index, field in enumerate(fields)
    ]
    taken = {}
    for where, owner, columns in wanted:
        for column in columns:
            previous_owner = existing.get(column, {}).get("owner", owner)
            if column in BASE_COLUMNS:
                problems.add(
                    f"{where}.key",
                    f'This key would make the column "{column}", which the unit table uses '
                    "itself; choose another key.",
                )
            elif column in taken and taken[column][1] != owner:
                problems.add(
                    f"{where}.key",
                    f'This key would make the column "{column}", which {taken[column][0]} '
                    "makes too; choose another key.",
                )
            elif previous_owner != owner:
                problems.add(
                    f"{where}.key",
                    f'This key would make the column "{column}", which keeps the data of '
                    f"{_describe_owner(previous_owner)}; choose another key.",
                )
            taken.setdefault(column, (where, owner))


def _check_capacity(problems, stages, fields, applied_schema, capacity):
    """The unit table, its retired columns and (PostgreSQL) its dropped columns' slots
    included, stays within the database's column limit."""
    if capacity is None:
        return
    existing = set((applied_schema or {}).get("columns", {}))
    wanted = {column for stage in stages for column in stage_columns(stage["key"], "pass_fail")}
    wanted |= {field_columns(field["key"]) for field in fields}
    columns = set(BASE_COLUMNS) | existing | wanted
    total = len(columns) + capacity.dropped
    if total <= capacity.limit:
        return
    retired = len(existing - wanted)
    parts = [f"{len(columns) - retired} in use"]
    if retired:
        parts.append(f"{retired} kept for removed stages and fields")
    if capacity.dropped:
        parts.append(f"{capacity.dropped:,} slots of dropped columns")
    advice = "remove stages or fields"
    if retired:
        advice += ", drop retired columns"
    if capacity.dropped:
        advice += ", or rebuild the unit table (manage.py unit_tables rebuild) to free the slots"
    problems.add(
        "procedure",
        f"The unit table would need {total:,} columns ({', '.join(parts)}), more than the "
        f"database allows ({capacity.limit:,}); to fit, {advice}.",
    )


def validate_procedure_config(config, *, previous_config=None, applied_schema=None, capacity=None):
    """Check ``config`` against procedure_config v1 and return it normalised.

    ``previous_config`` (the saved config, if any) lets saved keys be held immutable;
    ``applied_schema`` (the unit table's columns, if any) keeps new keys from reusing a
    column that still holds another entry's retired data; ``capacity`` (a
    ``parts.unit_tables.capacity.TableCapacity``) refuses a procedure whose table would pass
    the database's column limit. Raises ``ValidationError`` listing every problem, each
    naming its entry.
    """
    problems = _Problems()
    if not isinstance(config, dict):
        problems.add(
            "procedure", "A procedure must be a JSON object with a version, stages and fields."
        )
        problems.raise_if_any()
    _check_unknown_keys(problems, "procedure", config, TOP_LEVEL_KEYS)
    version = config.get("version")
    if version != CONFIG_VERSION or isinstance(version, bool):
        problems.add("version", f"The version must be {CONFIG_VERSION}, not {_quoted(version)}.")

    raw_stages = config.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        problems.add("stages", "A procedure needs at least one stage: add the first one.")
        raw_stages = []
    elif len(raw_stages) > MAX_STAGES:
        problems.add(
            "stages",
            f"There are {len(raw_stages):,} stages; a procedure may have at most {MAX_STAGES}.",
        )
        problems.raise_if_any()
    raw_fields = config.get("fields", [])
    if not isinstance(raw_fields, list):
        problems.add("fields", "The fields must be a list (an empty one is fine).")
        raw_fields = []
    elif len(raw_fields) > MAX_FIELDS:
        problems.add(
            "fields",
            f"There are {len(raw_fields):,} fields; a procedure may have at most {MAX_FIELDS}.",
        )
        problems.raise_if_any()

    usid_rule = _normalise_usid_rule(problems, config)
    stages = [
        _normalise_stage(problems, f"stages[{index}]", stage)
        for index, stage in enumerate(raw_stages)
    ]
    stage_keys = {stage["key"] for stage in stages if stage}
    fields = [
        _normalise_field(problems, f"fields[{index}]", field, stage_keys)
        for index, field in enumerate(raw_fields)
    ]

    seen = {}
    for list_name, entries in (("stages", stages), ("fields", fields)):
        for index, entry in enumerate(entries):
            if entry is None:
                continue
            where = f"{list_name}[{index}]"
            if entry["key"] in seen:
                problems.add(
                    f"{where}.key",
                    f"{_quoted(entry['key'])} is already the key of {seen[entry['key']]}; each "
                    "key may be used once in a procedure.",
                )
            else:
                seen[entry["key"]] = where
    problems.raise_if_any()

    if isinstance(previous_config, dict):
        _check_changed_keys(problems, stages, previous_config.get("stages") or [], "stages")
        _check_changed_keys(problems, fields, previous_config.get("fields") or [], "fields")
    _check_columns(problems, stages, fields, applied_schema)
    problems.raise_if_any()
    _check_capacity(problems, stages, fields, applied_schema, capacity)
    problems.raise_if_any()
    return {"version": CONFIG_VERSION, **usid_rule, "stages": stages, "fields": fields}
