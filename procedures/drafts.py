"""The editor's working draft of a procedure.

The draft lives in the editor's own form: every htmx action posts the whole form, the server
rebuilds the draft from it, changes it and renders it again. Nothing about a draft is kept on
the server, so two browser tabs editing one procedure never share hidden state, and only
saving touches the database.

A draft is a list of stage rows and a list of field rows. Each row holds what procedure_config
v1 says about the entry, plus ``origin``: the key the entry has in the saved procedure (empty
for a row added in this draft). Saved keys are immutable, so a row with an origin keeps it.
"""

from dataclasses import dataclass, field

from procedures.catalogue import STAGE_CATALOGUE, catalogue_stage
from shopfloor.genealogy.editor_forms import component_entries, component_rows, empty_component

CONFIG_VERSION = 1


def empty_stage():
    return {
        "origin": "",
        "key": "",
        "label": "",
        "optional": False,
        "result": "done",
        "instructions": "",
        "media": [],
    }


def empty_field():
    return {
        "origin": "",
        "key": "",
        "label": "",
        "type": "text",
        "required": False,
        "stage": "",
        "choices": [],
        "help": "",
        "unit": "",
        "min": "",
        "max": "",
        "default": "",
        "unique": False,
    }


def _as_text(value):
    """A config value as the editor's text box shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _typed(text, kind):
    """What an editor's text box holds as the config value of a field of type ``kind``: a
    number or yes/no when it reads as one, the text itself otherwise (the validator then
    names what is wrong with it)."""
    text = str(text).strip()
    if kind == "boolean":
        return {"yes": True, "true": True, "no": False, "false": False}.get(text.lower(), text)
    if kind in ("integer", "decimal", "measurement"):
        for number in (int, float):
            try:
                return number(text)
            except ValueError:
                continue
    return text


def _stage_row(entry, saved_keys):
    row = empty_stage()
    row.update({name: entry[name] for name in row if name in entry})
    row["media"] = list(entry.get("media") or [])
    row["instructions"] = entry.get("instructions") or ""
    row["origin"] = row["key"] if row["key"] in saved_keys else ""
    return row


def _field_row(entry, saved_keys):
    row = empty_field()
    row.update({name: entry[name] for name in row if name in entry})
    row["choices"] = [str(choice) for choice in entry.get("choices") or []]
    row["stage"] = entry.get("stage") or ""
    row["help"] = entry.get("help") or ""
    for option in ("unit", "min", "max", "default"):
        row[option] = _as_text(entry.get(option))
    row["unique"] = bool(entry.get("unique"))
    row["origin"] = row["key"] if row["key"] in saved_keys else ""
    return row


@dataclass
class Draft:
    stages: list = field(default_factory=list)
    fields: list = field(default_factory=list)
    components: list = field(default_factory=list)  # what stages install, one row each
    usid_pattern: str = ""
    usid_example: str = ""

    @classmethod
    def from_config(cls, config, *, saved_config=None):
        """The draft of ``config``; entries whose key ``saved_config`` holds keep that key."""
        config = config or {}
        saved_config = saved_config or {}
        saved_stage_keys = {entry.get("key") for entry in saved_config.get("stages") or []}
        saved_field_keys = {entry.get("key") for entry in saved_config.get("fields") or []}
        return cls(
            stages=[_stage_row(entry, saved_stage_keys) for entry in config.get("stages") or []],
            fields=[_field_row(entry, saved_field_keys) for entry in config.get("fields") or []],
            components=component_rows(
                [entry for entry in config.get("stages") or [] if isinstance(entry, dict)]
            ),
            usid_pattern=str(config.get("usid_pattern") or ""),
            usid_example=str(config.get("usid_example") or ""),
        )

    def to_config(self):
        """The procedure_config v1 this draft describes (not validated)."""
        config = {"version": CONFIG_VERSION}
        if self.usid_pattern.strip():
            config["usid_pattern"] = self.usid_pattern.strip()
        if self.usid_example.strip():
            config["usid_example"] = self.usid_example.strip()
        config["stages"] = [self._stage_entry(row) for row in self.stages]
        for entry in config["stages"]:
            components = component_entries(self.components, entry["key"])
            if components:
                entry["components"] = components
        config["fields"] = [self._field_entry(row) for row in self.fields]
        return config

    @staticmethod
    def _stage_entry(row):
        entry = {
            "key": row["origin"] or row["key"].strip(),
            "label": row["label"].strip(),
            "optional": bool(row["optional"]),
            "result": row["result"],
        }
        if row["instructions"].strip():
            entry["instructions"] = row["instructions"].strip()
        if row["media"]:
            entry["media"] = list(row["media"])
        return entry

    @staticmethod
    def _field_entry(row):
        entry = {
            "key": row["origin"] or row["key"].strip(),
            "label": row["label"].strip(),
            "type": row["type"],
            "required": bool(row["required"]),
        }
        if row["stage"]:
            entry["stage"] = row["stage"]
        if row["type"] == "choice":
            entry["choices"] = list(row["choices"])
        if row["help"].strip():
            entry["help"] = row["help"].strip()
        if row["type"] == "measurement":
            if str(row["unit"]).strip():
                entry["unit"] = str(row["unit"]).strip()
            for limit in ("min", "max"):
                if str(row[limit]).strip():
                    entry[limit] = _typed(row[limit], "measurement")
        if str(row["default"]).strip():
            entry["default"] = _typed(row["default"], row["type"])
        if row["unique"]:
            entry["unique"] = True
        return entry

    def stage_keys(self):
        return [row["origin"] or row["key"].strip() for row in self.stages]

    def catalogue_left(self):
        """The catalogue stages this draft does not hold yet, in catalogue order."""
        taken = set(self.stage_keys())
        return [key for key in STAGE_CATALOGUE if key not in taken]

    # The editor's actions. Each changes the draft in place; an index out of range (a stale
    # page) changes nothing rather than failing.

    def add_catalogue_stage(self, key):
        if key in STAGE_CATALOGUE and key not in self.stage_keys():
            self.stages.append({"origin": "", **catalogue_stage(key)})

    def add_custom_stage(self):
        self.stages.append(empty_stage())

    def move_stage(self, index, to_index):
        if 0 <= index < len(self.stages) and 0 <= to_index < len(self.stages):
            self.stages.insert(to_index, self.stages.pop(index))

    def remove_stage(self, index):
        if 0 <= index < len(self.stages):
            del self.stages[index]

    def add_field(self):
        self.fields.append(empty_field())

    def remove_field(self, index):
        if 0 <= index < len(self.fields):
            del self.fields[index]

    def add_component(self):
        self.components.append(empty_component())

    def remove_component(self, index):
        if 0 <= index < len(self.components):
            del self.components[index]

    def apply(self, action, argument=""):
        """Run the editor action named ``action``; returns False when there is no such action."""
        handlers = {
            "add_stage": lambda: self.add_catalogue_stage(argument),
            "add_custom_stage": self.add_custom_stage,
            "stage_up": lambda: self.move_stage(_index(argument), _index(argument) - 1),
            "stage_down": lambda: self.move_stage(_index(argument), _index(argument) + 1),
            "stage_move": lambda: self.move_stage(*_indexes(argument)),
            "remove_stage": lambda: self.remove_stage(_index(argument)),
            "add_field": self.add_field,
            "remove_field": lambda: self.remove_field(_index(argument)),
            "add_component": self.add_component,
            "remove_component": lambda: self.remove_component(_index(argument)),
        }
        if action not in handlers:
            return False
        handlers[action]()
        return True


def _index(text):
    try:
        return int(text)
    except (TypeError, ValueError):
        return -1


def _indexes(text):
    source, _sep, target = (text or "").partition("-")
    return _index(source), _index(target)
