"""How a part's unit table, its model class and its columns are named.

- Table: ``parts_unit_<part pk>``. It follows the part's primary key, never its part_no, so
  renaming a part never renames its table and two parts can never share one.
- Model class: the part_no made a Python identifier (see ``model_class_name``). Two parts
  whose part numbers sanitise alike get classes of the same name; that is harmless because
  every generated class lives in its own registry and its own table.
- Columns, always: ``id``, ``usid`` (unique), ``tag_no``, ``on_hold``, ``created_at``,
  ``updated_at``.
- Columns per stage ``<key>``: ``is_<key>`` (done/passed flag), ``<key>_at`` (when),
  ``<key>_by_id`` (user id of who), and for ``pass_fail`` stages ``<key>_result``
  (``"pass"`` or ``"fail"``).
- Column per extra field ``<key>``: ``f_<key>``.

Keys are ``[a-z][a-z0-9_]*`` (at most 30 characters, no ``__``, no trailing ``_``), so every
column name is a plain lowercase identifier under 40 characters that needs no quoting
tricks; the procedure validation refuses keys whose columns would collide.
"""

import keyword
import re
import unicodedata

TABLE_PREFIX = "parts_unit_"
# A stage or field key: the rule the procedure editor, the scan input and stations all use.
KEY_PATTERN = re.compile(r"[a-z][a-z0-9_]*")
KEY_MAX_LENGTH = 30
# A USID (and a paired tag no.), in unit tables, the USID index and the scan log.
USID_MAX_LENGTH = 64
BASE_COLUMNS = ("id", "usid", "tag_no", "on_hold", "created_at", "updated_at")
CLASS_NAME_MAX_LENGTH = 80


def table_name(part_pk):
    return f"{TABLE_PREFIX}{int(part_pk)}"


def part_pk_of_table(name):
    """The part pk a unit table name stands for, or None when it is not a unit table."""
    match = re.fullmatch(rf"{TABLE_PREFIX}(\d+)", name)
    return int(match.group(1)) if match else None


def stage_flag_column(key):
    """The done/passed flag of stage ``key``."""
    return f"is_{key}"


def stage_at_column(key):
    """When stage ``key`` was last recorded."""
    return f"{key}_at"


def stage_by_column(key):
    """Who recorded stage ``key`` (a user id)."""
    return f"{key}_by_id"


def stage_result_column(key):
    """The last result of pass/fail stage ``key`` (``"pass"`` or ``"fail"``)."""
    return f"{key}_result"


def stage_columns(key, result):
    columns = [stage_flag_column(key), stage_at_column(key), stage_by_column(key)]
    if result == "pass_fail":
        columns.append(stage_result_column(key))
    return columns


def field_columns(key):
    return f"f_{key}"


def unique_index_name(part_pk, column):
    """The unique index that keeps the values of field column ``column`` apart between units."""
    return f"{table_name(part_pk)}_{column}_uniq"


def column_index_name(part_pk, column):
    """The plain index on column ``column`` (the time column of a stage whose measurements the
    part dashboard reads by period)."""
    return f"{table_name(part_pk)}_{column}_idx"


def model_class_name(part_no, part_pk):
    """A valid Python class name made from ``part_no``.

    Accents are folded to ASCII, anything else that cannot stand in an identifier becomes
    ``_``; a leading digit gets a ``Part_`` prefix, a Python keyword a trailing ``_``, and a
    part number with nothing usable left (e.g. only CJK characters) becomes ``Part<pk>``.
    """
    folded = unicodedata.normalize("NFKD", str(part_no)).encode("ascii", "ignore").decode()
    name = re.sub(r"[^0-9A-Za-z_]+", "_", folded).strip("_")
    name = re.sub(r"_{2,}", "_", name)[:CLASS_NAME_MAX_LENGTH].rstrip("_")
    if not name:
        return f"Part{int(part_pk)}"
    if name[0].isdigit():
        name = f"Part_{name}"
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        name = f"{name}_"
    return name
