"""procedure_config version 1: its shape, its defaults and its validation.

A procedure is JSON an engineer edits (and that import/export carries), so every problem is
reported with the exact place it sits in, the way a person would point at it::

    stages[2].key: "QC" must be lowercase letters, digits and underscores ...

``validate_procedure_config`` returns the config normalised (every optional key written out
with its default) or raises one ``ValidationError`` listing every problem found. It never
touches the database: the caller passes what it needs to know about the saved procedure (its
previous config, and the columns its unit table already has).
"""

import datetime
import json
import math
import re

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
DATE_PATTERN = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
INTEGER_LIMIT = 2**63 - 1
# Decimal and measurement columns hold 20 digits, 6 of them after the point.
NUMBER_LIMIT = 10**14

STAGE_RESULTS = ("done", "pass_fail")
FIELD_TYPES = ("text", "integer", "decimal", "boolean", "date", "choice", "measurement")
UNIT_MAX_LENGTH = 20
MEDIA = ("form_image", "part_image", "qc_video", "testing_video")

TOP_LEVEL_KEYS = ("version", "stages", "fields", "usid_pattern", "usid_example")
USID_PATTERN_MAX_LENGTH = 200
USID_EXAMPLE_MAX_LENGTH = 64
STAGE_KEYS = ("key", "label", "optional", "result", "instructions", "media", "components")
COMPONENT_KEYS = ("key", "label", "part_no", "kind", "required")
COMPONENT_KINDS = ("unit", "lot")
MAX_COMPONENTS = 50
PART_NO_MAX_LENGTH = 100
FIELD_KEYS = (
    "key",
    "label",
    "type",
    "required",
    "stage",
    "choices",
    "help",
    "unit",
    "min",
    "max",
    "default",
    "unique",
)


def _count(number):
    """A count as the person's language writes it: "1,500" in English."""
    return number_format(number, force_grouping=True)


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


def _unknown_keys_message(where, count):
    """The sentence refusing keys an entry cannot have, for the kind of entry ``where`` names:
    a whole sentence per kind, since languages say "a stage" and "a field" differently."""
    if ".components[" in where:
        return ngettext(
            "%(names)s is not something a component can have; a component has: %(allowed)s.",
            "%(names)s are not things a component can have; a component has: %(allowed)s.",
            count,
        )
    if where.startswith("stages["):
        return ngettext(
            "%(names)s is not something a stage can have; a stage has: %(allowed)s.",
            "%(names)s are not things a stage can have; a stage has: %(allowed)s.",
            count,
        )
    if where.startswith("fields["):
        return ngettext(
            "%(names)s is not something a field can have; a field has: %(allowed)s.",
            "%(names)s are not things a field can have; a field has: %(allowed)s.",
            count,
        )
    return ngettext(
        "%(names)s is not something a procedure can have; a procedure has: %(allowed)s.",
        "%(names)s are not things a procedure can have; a procedure has: %(allowed)s.",
        count,
    )


def _key_example(key):
    """A key the refused ``key`` turns into ("burn_in" for "Burn in"), or "" when none."""
    suggestion = re.sub(r"[^a-z0-9]+", "_", str(key).lower()).strip("_")
    if suggestion and KEY_PATTERN.fullmatch(suggestion) and len(suggestion) <= KEY_MAX_LENGTH:
        return suggestion
    return ""


def _check_unknown_keys(problems, where, entry, allowed):
    unknown = sorted(str(key) for key in entry if key not in allowed)
    if unknown:
        problems.add(
            where,
            _unknown_keys_message(where, len(unknown))
            % {
                "names": ", ".join(_quoted(key) for key in unknown),
                "allowed": ", ".join(allowed),
            },
        )


def _check_key(problems, where, key):
    if not isinstance(key, str) or not key:
        problems.add(
            f"{where}.key",
            _(
                "A key is needed: a short name in lowercase letters, digits and underscores, "
                "such as burn_in."
            ),
        )
        return False
    if not KEY_PATTERN.fullmatch(key) or len(key) > KEY_MAX_LENGTH:
        said = {"key": _quoted(key), "max": KEY_MAX_LENGTH, "example": _key_example(key)}
        if said["example"]:
            message = _(
                "%(key)s cannot be a key: use lowercase letters, digits and underscores, "
                'starting with a letter, at most %(max)s characters, e.g. "%(example)s".'
            )
        else:
            message = _(
                "%(key)s cannot be a key: use lowercase letters, digits and underscores, "
                "starting with a letter, at most %(max)s characters."
            )
        problems.add(f"{where}.key", message % said)
        return False
    if "__" in key or key.endswith("_"):
        problems.add(
            f"{where}.key",
            _(
                "%(key)s cannot be a key: it may not have two underscores in a row or end "
                "with an underscore."
            )
            % {"key": _quoted(key)},
        )
        return False
    return True


def _check_label(problems, where, label):
    if not isinstance(label, str) or not label.strip():
        problems.add(f"{where}.label", _("A label is needed: the name people see on the screens."))
    elif len(label) > LABEL_MAX_LENGTH:
        problems.add(
            f"{where}.label",
            _("The label is too long: at most %(max)s characters.") % {"max": LABEL_MAX_LENGTH},
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
            _(
                "The text has the character %(name)s at position %(position)s, which cannot be "
                "shown or printed; remove it."
            )
            % {"name": name, "position": position},
        )


def _normalise_usid_rule(problems, config):
    """The optional ``usid_pattern`` (a regular expression a new unit's USID matches in full)
    and ``usid_example`` (a USID that matches it, quoted when a scan does not)."""
    rule = {}
    pattern = config.get("usid_pattern")
    example = config.get("usid_example")
    if "usid_pattern" in config and pattern not in ("", None):
        if not isinstance(pattern, str):
            problems.add("usid_pattern", _("The USID pattern must be text, e.g. ^PWR-[0-9]{4}$."))
        elif len(pattern) > USID_PATTERN_MAX_LENGTH:
            problems.add(
                "usid_pattern",
                _("The USID pattern is %(length)s characters long; at most %(max)s are allowed.")
                % {"length": len(pattern), "max": USID_PATTERN_MAX_LENGTH},
            )
        else:
            _check_printable(problems, "usid_pattern", pattern)
            try:
                compiled = re.compile(pattern)
            except (re.error, RecursionError, OverflowError) as error:
                problems.add(
                    "usid_pattern",
                    _(
                        "The USID pattern is not a valid regular expression (%(error)s); check "
                        "its brackets and special characters."
                    )
                    % {"error": error},
                )
            else:
                rule["usid_pattern"] = pattern
                if isinstance(example, str) and example and not compiled.fullmatch(example):
                    problems.add(
                        "usid_example",
                        _(
                            "The example USID %(example)s does not fit the USID pattern "
                            "%(pattern)s; change one of them."
                        )
                        % {"example": _quoted(example), "pattern": _quoted(pattern)},
                    )
    if "usid_example" in config and example not in ("", None):
        if not isinstance(example, str):
            problems.add("usid_example", _("The example USID must be text, e.g. PWR-0001."))
        elif len(example) > USID_EXAMPLE_MAX_LENGTH or not re.fullmatch(r"[!-~][ -~]*", example):
            problems.add(
                "usid_example",
                _(
                    "The example %(example)s cannot be a USID: use letters, digits and signs "
                    "without accents, at most %(max)s characters."
                )
                % {"example": _quoted(example), "max": USID_EXAMPLE_MAX_LENGTH},
            )
        else:
            rule["usid_example"] = example
    return rule


def _check_bool(problems, where, value):
    if not isinstance(value, bool):
        problems.add(
            where,
            _("This must be yes or no (true or false), not %(value)s.") % {"value": _quoted(value)},
        )


def _normalise_stage(problems, where, stage):
    if not isinstance(stage, dict):
        problems.add(where, _("Each stage must be written as an object with a key and a label."))
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
        first, second = STAGE_RESULTS
        problems.add(
            f"{where}.result",
            _("%(value)s is not a kind of result; choose %(first)s or %(second)s.")
            % {"value": _quoted(normalised["result"]), "first": first, "second": second},
        )
    if "instructions" in stage:
        if not isinstance(stage["instructions"], str):
            problems.add(f"{where}.instructions", _("The instructions must be text."))
        elif len(stage["instructions"]) > INSTRUCTIONS_MAX_LENGTH:
            problems.add(
                f"{where}.instructions",
                _("The instructions are too long: at most %(max)s characters.")
                % {"max": _count(INSTRUCTIONS_MAX_LENGTH)},
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
                f"{where}.media",
                _("The media must be a list naming any of: %(media)s.")
                % {"media": ", ".join(MEDIA)},
            )
        else:
            for index, item in enumerate(media):
                if item not in MEDIA:
                    problems.add(
                        f"{where}.media[{index}]",
                        _(
                            "%(value)s is not a kind of media a stage can show; choose from: "
                            "%(media)s."
                        )
                        % {"value": _quoted(item), "media": ", ".join(MEDIA)},
                    )
        normalised["media"] = media
    if "components" in stage:
        normalised["components"] = _normalise_components(
            problems, f"{where}.components", stage["components"]
        )
    return normalised if key_ok else None


def _normalise_components(problems, where, components):
    """What is installed at a stage: units of another part (``part_no``) or material lots
    (``"kind": "lot"``), each required unless ``"required": false``."""
    if not isinstance(components, list):
        problems.add(
            where, _('must be a list, e.g. [{"key": "psu", "label": ..., "part_no": ...}]')
        )
        return []
    if len(components) > MAX_COMPONENTS:
        problems.add(
            where,
            _("has %(count)s entries; at most %(max)s allowed")
            % {"count": _count(len(components)), "max": MAX_COMPONENTS},
        )
        return []
    normalised = []
    for index, entry in enumerate(components):
        at = f"{where}[{index}]"
        if not isinstance(entry, dict):
            problems.add(
                at, _('must be an object with a key, a label and a part_no or "kind": "lot"')
            )
            continue
        _check_unknown_keys(problems, at, entry, COMPONENT_KEYS)
        key_ok = _check_key(problems, at, entry.get("key"))
        _check_label(problems, at, entry.get("label"))
        kind = entry.get("kind", "unit")
        component = {"key": entry.get("key"), "label": entry.get("label"), "kind": kind}
        if kind not in COMPONENT_KINDS:
            problems.add(
                f"{at}.kind",
                _("%(value)s is not one of %(kinds)s")
                % {"value": _quoted(kind), "kinds": ", ".join(COMPONENT_KINDS)},
            )
        part_no = entry.get("part_no")
        if kind == "unit":
            if not isinstance(part_no, str) or not part_no.strip():
                problems.add(
                    f"{at}.part_no",
                    _('names the part whose unit is installed here (or say "kind": "lot")'),
                )
            elif len(part_no) > PART_NO_MAX_LENGTH or not re.fullmatch(r"[ -~]+", part_no):
                problems.add(
                    f"{at}.part_no",
                    _("%(value)s is not a part no.: printable ASCII, at most %(max)s characters")
                    % {"value": _quoted(part_no), "max": PART_NO_MAX_LENGTH},
                )
            else:
                component["part_no"] = part_no.strip()
        elif part_no is not None:
            problems.add(f"{at}.part_no", _('a lot ("kind": "lot") has no part_no'))
        component["required"] = entry.get("required", True)
        _check_bool(problems, f"{at}.required", component["required"])
        if key_ok:
            normalised.append(component)
    return normalised


def _normalise_field(problems, where, field, stage_keys):
    if not isinstance(field, dict):
        problems.add(
            where, _("Each field must be written as an object with a key, a label and a type.")
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
            _("%(value)s is not a type of field; choose one of: %(types)s.")
            % {"value": _quoted(normalised["type"]), "types": ", ".join(FIELD_TYPES)},
        )
    _check_bool(problems, f"{where}.required", normalised["required"])
    if "stage" in field and field["stage"] is not None:
        if not isinstance(field["stage"], str) or field["stage"] not in stage_keys:
            problems.add(
                f"{where}.stage",
                _("%(value)s is not a stage of this procedure; choose one of its stages, or none.")
                % {"value": _quoted(field["stage"])},
            )
        normalised["stage"] = field["stage"]
    if "help" in field:
        if not isinstance(field["help"], str):
            problems.add(f"{where}.help", _("The help must be text."))
        elif len(field["help"]) > HELP_MAX_LENGTH:
            problems.add(
                f"{where}.help",
                _("The help is too long: at most %(max)s characters.")
                % {"max": _count(HELP_MAX_LENGTH)},
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
            _('Only a field of type "choice" has choices; remove them or make the type "choice".'),
        )
    _normalise_measurement(problems, where, field, normalised)
    _normalise_field_options(problems, where, field, normalised)
    return normalised if key_ok else None


def _limit_messages(option):
    """The sentences about limit ``option`` ("min" or "max"), each whole for translators."""
    if option == "min":
        return {
            "not_number": _(
                "The lowest value allowed must be a number, such as 4.75, not %(value)s."
            ),
            "not_finite": _(
                "The lowest value allowed must be an ordinary number, not infinity or NaN."
            ),
        }
    return {
        "not_number": _("The highest value allowed must be a number, such as 4.75, not %(value)s."),
        "not_finite": _(
            "The highest value allowed must be an ordinary number, not infinity or NaN."
        ),
    }


def _limit_number(problems, where, option, value):
    """A limit as a float, or None (reported) when it is not a finite number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        problems.add(where, _limit_messages(option)["not_number"] % {"value": _quoted(value)})
        return None
    if not math.isfinite(value):
        problems.add(where, _limit_messages(option)["not_finite"])
        return None
    return value


def _measurement_only(option):
    """The sentence refusing ``option`` ("unit", "min" or "max") on a field of another type."""
    if option == "unit":
        return _(
            'Only a field of type "measurement" has a unit; remove it or make the type '
            '"measurement".'
        )
    if option == "min":
        return _(
            'Only a field of type "measurement" has a lowest value allowed; remove it or make '
            'the type "measurement".'
        )
    return _(
        'Only a field of type "measurement" has a highest value allowed; remove it or make '
        'the type "measurement".'
    )


def _normalise_measurement(problems, where, field, normalised):
    """A measurement's ``unit`` and its inclusive ``min`` and ``max`` (each optional)."""
    if normalised["type"] != "measurement":
        for option in ("unit", "min", "max"):
            if option in field:
                problems.add(f"{where}.{option}", _measurement_only(option))
        return
    unit = field.get("unit", "")
    if not isinstance(unit, str) or len(unit) > UNIT_MAX_LENGTH:
        problems.add(
            f"{where}.unit",
            _("The unit must be a short text such as mV, at most %(max)s characters.")
            % {"max": UNIT_MAX_LENGTH},
        )
    else:
        _check_printable(problems, f"{where}.unit", unit)
    normalised["unit"] = unit
    limits = {}
    for option in ("min", "max"):
        if field.get(option) is not None:
            limits[option] = _limit_number(problems, f"{where}.{option}", option, field[option])
            normalised[option] = field[option]
    low, high = limits.get("min"), limits.get("max")
    if low is not None and high is not None and low > high:
        problems.add(
            f"{where}.max",
            _("The highest value allowed (%(high)s) is below the lowest (%(low)s); swap them.")
            % {"high": repr(high), "low": repr(low)},
        )


def _normalise_field_options(problems, where, field, normalised):
    """``default`` (a value of the field's type) and ``unique`` (no two units share a value)."""
    if "unique" in field:
        _check_bool(problems, f"{where}.unique", field["unique"])
        if field["unique"] is True:
            if normalised["type"] == "boolean":
                problems.add(
                    f"{where}.unique",
                    _("A yes/no field cannot be unique: it has only two values to share out."),
                )
            normalised["unique"] = True
    if field.get("default") is None:
        return
    if field.get("unique") is True:
        problems.add(
            f"{where}.default",
            _("A unique field cannot have a default value: every unit would get the same one."),
        )
        return
    # Translators: the subject of a sentence such as "The default value must be a number".
    problem = field_value_problem(normalised, field["default"], name=_("The default value"))
    if problem:
        problems.add(f"{where}.default", problem)
    else:
        normalised["default"] = field["default"]


def field_value_problem(field, value, *, name):
    """What is wrong with ``value`` (as JSON carries it) for ``field``, or "" when it fits.

    The answer is a whole sentence about ``name`` (the field's label, or "The default
    value"), in the active language: "Firmware version must be a whole number, not "x".".
    One rule for defaults in a procedure and for values sent with a scan.
    """

    def said():  # worded only for a problem: most values fit
        return {"name": name, "value": _quoted(value)}

    kind = field["type"]
    if kind in ("text", "choice"):
        if not isinstance(value, str):
            return _("%(name)s must be a text, not %(value)s.") % said()
        if len(value) > CHOICE_MAX_LENGTH:
            return _("%(name)s is %(length)s characters long; at most %(max)s are allowed.") % {
                **said(),
                "length": _count(len(value)),
                "max": CHOICE_MAX_LENGTH,
            }
        if first_refused(value) is not None:
            position, character = first_refused(value)
            return _("%(name)s contains the character %(character)s at position %(position)s.") % {
                **said(),
                "character": character,
                "position": position,
            }
        if kind == "choice" and value not in (field.get("choices") or ()):
            return _("%(name)s %(value)s is not one of the choices.") % said()
        return ""
    if kind == "boolean":
        if isinstance(value, bool):
            return ""
        return _("%(name)s must be true or false, not %(value)s.") % said()
    if kind == "date":
        if not isinstance(value, str) or not DATE_PATTERN.fullmatch(value):
            return _("%(name)s must be a date as YYYY-MM-DD, not %(value)s.") % said()
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return _("%(name)s %(value)s is not a date that exists.") % said()
        return ""
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            return _("%(name)s must be a whole number, not %(value)s.") % said()
        if abs(value) > INTEGER_LIMIT:
            return _("%(name)s %(number)s is too large (at most %(limit)s either way).") % {
                **said(),
                "number": value,
                "limit": _count(INTEGER_LIMIT),
            }
        return ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return _("%(name)s must be a number, not %(value)s.") % said()
    if not math.isfinite(value):
        return _("%(name)s must be a finite number (not NaN or infinity).") % said()
    if abs(value) >= NUMBER_LIMIT:
        return _("%(name)s %(number)s is too large (below %(limit)s either way).") % {
            **said(),
            "number": repr(value),
            "limit": f"{NUMBER_LIMIT:.0e}",
        }
    return ""


def _check_choices(problems, where, choices):
    if not isinstance(choices, list) or not choices:
        problems.add(where, _('A field of type "choice" needs its choices: enter at least one.'))
        return
    if len(choices) > MAX_CHOICES:
        problems.add(
            where,
            _("There are %(count)s choices; at most %(max)s are allowed.")
            % {"count": _count(len(choices)), "max": MAX_CHOICES},
        )
        return
    seen = set()
    for index, choice in enumerate(choices):
        if not isinstance(choice, str) or not choice.strip():
            problems.add(f"{where}[{index}]", _("A choice cannot be empty."))
        elif len(choice) > CHOICE_MAX_LENGTH:
            problems.add(
                f"{where}[{index}]",
                _("This choice is too long: at most %(max)s characters.")
                % {"max": CHOICE_MAX_LENGTH},
            )
        elif choice in seen:
            problems.add(
                f"{where}[{index}]",
                _("%(value)s is listed twice; keep one.") % {"value": _quoted(choice)},
            )
        else:
            _check_printable(problems, f"{where}[{index}]", choice)
            seen.add(choice)


def _check_component_keys(problems, raw_stages):
    """Component keys are unique within the procedure: a scan names an entry by its key."""
    seen = {}
    for index, stage in enumerate(raw_stages):
        components = stage.get("components") if isinstance(stage, dict) else None
        for position, component in enumerate(components if isinstance(components, list) else []):
            key = component.get("key") if isinstance(component, dict) else None
            if not isinstance(key, str):
                continue
            where = f"stages[{index}].components[{position}]"
            if key in seen:
                problems.add(
                    f"{where}.key",
                    _("%(key)s is already the key of %(entry)s")
                    % {"key": _quoted(key), "entry": seen[key]},
                )
            else:
                seen[key] = where


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
                _(
                    "The key cannot change from %(old)s to %(new)s once saved: the units' data "
                    "is kept under the old key. To start afresh, remove the entry and save, "
                    "then add a new one."
                )
                % {"old": _quoted(old_key), "new": _quoted(entry["key"])},
            )


def _column_kept_message(column, owner):
    """The sentence refusing a key whose column keeps the data of ``owner`` ("stage:qc")."""
    kind, _sep, key = owner.partition(":")
    said = {"column": column, "key": key}
    if kind == "stage":
        return (
            _(
                'This key would make the column "%(column)s", which keeps the data of stage '
                '"%(key)s"; choose another key.'
            )
            % said
        )
    if kind == "field":
        return (
            _(
                'This key would make the column "%(column)s", which keeps the data of field '
                '"%(key)s"; choose another key.'
            )
            % said
        )
    return _(
        'This key would make the column "%(column)s", which keeps the data of %(owner)s; '
        "choose another key."
    ) % {"column": column, "owner": owner}


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
                    _(
                        'This key would make the column "%(column)s", which the unit table '
                        "uses itself; choose another key."
                    )
                    % {"column": column},
                )
            elif column in taken and taken[column][1] != owner:
                problems.add(
                    f"{where}.key",
                    _(
                        'This key would make the column "%(column)s", which %(entry)s makes '
                        "too; choose another key."
                    )
                    % {"column": column, "entry": taken[column][0]},
                )
            elif previous_owner != owner:
                problems.add(f"{where}.key", _column_kept_message(column, previous_owner))
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
    counted = [_("%(count)s in use") % {"count": _count(len(columns) - retired)}]
    if retired:
        counted.append(
            _("%(count)s kept for removed stages and fields") % {"count": _count(retired)}
        )
    if capacity.dropped:
        counted.append(
            ngettext(
                "%(count)s slot of a dropped column",
                "%(count)s slots of dropped columns",
                capacity.dropped,
            )
            % {"count": _count(capacity.dropped)}
        )
    if retired and capacity.dropped:
        advice = _(
            "remove stages or fields, drop retired columns, or rebuild the unit table "
            "(manage.py unit_tables rebuild) to free the slots"
        )
    elif capacity.dropped:
        advice = _(
            "remove stages or fields, or rebuild the unit table (manage.py unit_tables rebuild) "
            "to free the slots"
        )
    elif retired:
        advice = _("remove stages or fields, drop retired columns")
    else:
        advice = _("remove stages or fields")
    problems.add(
        "procedure",
        _(
            "The unit table would need %(total)s columns (%(counted)s), more than the database "
            "allows (%(limit)s); to fit, %(advice)s."
        )
        % {
            "total": _count(total),
            "counted": ", ".join(counted),
            "limit": _count(capacity.limit),
            "advice": advice,
        },
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
            "procedure", _("A procedure must be a JSON object with a version, stages and fields.")
        )
        problems.raise_if_any()
    _check_unknown_keys(problems, "procedure", config, TOP_LEVEL_KEYS)
    version = config.get("version")
    if version != CONFIG_VERSION or isinstance(version, bool):
        problems.add(
            "version",
            _("The version must be %(version)s, not %(value)s.")
            % {"version": CONFIG_VERSION, "value": _quoted(version)},
        )

    raw_stages = config.get("stages")
    if not isinstance(raw_stages, list) or not raw_stages:
        problems.add("stages", _("A procedure needs at least one stage: add the first one."))
        raw_stages = []
    elif len(raw_stages) > MAX_STAGES:
        problems.add(
            "stages",
            _("There are %(count)s stages; a procedure may have at most %(max)s.")
            % {"count": _count(len(raw_stages)), "max": MAX_STAGES},
        )
        problems.raise_if_any()
    raw_fields = config.get("fields", [])
    if not isinstance(raw_fields, list):
        problems.add("fields", _("The fields must be a list (an empty one is fine)."))
        raw_fields = []
    elif len(raw_fields) > MAX_FIELDS:
        problems.add(
            "fields",
            _("There are %(count)s fields; a procedure may have at most %(max)s.")
            % {"count": _count(len(raw_fields)), "max": MAX_FIELDS},
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
                    _(
                        "%(key)s is already the key of %(entry)s; each key may be used once in "
                        "a procedure."
                    )
                    % {"key": _quoted(entry["key"]), "entry": seen[entry["key"]]},
                )
            else:
                seen[entry["key"]] = where
    _check_component_keys(problems, raw_stages)
    problems.raise_if_any()

    if isinstance(previous_config, dict):
        _check_changed_keys(problems, stages, previous_config.get("stages") or [], "stages")
        _check_changed_keys(problems, fields, previous_config.get("fields") or [], "fields")
    _check_columns(problems, stages, fields, applied_schema)
    problems.raise_if_any()
    _check_capacity(problems, stages, fields, applied_schema, capacity)
    problems.raise_if_any()
    return {"version": CONFIG_VERSION, **usid_rule, "stages": stages, "fields": fields}
