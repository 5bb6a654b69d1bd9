"""Reading IPC-CFX messages: the envelope every message comes in, and the bodies Shopfloor
records. Reading only: nothing here touches the database.

A CFX message is a JSON object ``{"MessageName", "Version", "TimeStamp", "UniqueID", "Source",
"Target", "RequestID", "MessageBody"}``. Each reader refuses a message it cannot record whole
(``MessageRefused`` with the reason in plain words) before anything is written: a unit
identifier holding a control character, a measurement whose value is not a number, a body of
the wrong shape.
"""

import hashlib
import json
import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

from shopfloor.cfx.models import HANDLE_MAX_LENGTH, MESSAGE_KEY_MAX_LENGTH, NAME_MAX_LENGTH
from shopfloor.json_input import DuplicateKey, json_loads
from shopfloor.scanning.input import code_clean, usid_clean

UNITS_TESTED = "CFX.Production.TestAndInspection.UnitsTested"
WORK_COMPLETED = "CFX.Production.WorkCompleted"
MATERIALS_INSTALLED = "CFX.Production.Assembly.MaterialsInstalled"
# Heard and logged, nothing to record: an endpoint saying it is alive, up or going down.
PRESENCE = (
    "CFX.Heartbeat",
    "CFX.EndpointConnected",
    "CFX.EndpointShuttingDown",
)
TEST_RESULTS = {"Passed": "pass", "Failed": "fail"}


class MessageRefused(Exception):
    """The message cannot be recorded; ``reason`` says why in plain words."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Envelope:
    name: str
    unique_id: str
    source: str
    body: dict


@dataclass(frozen=True)
class Measurement:
    test: str
    name: str
    value: float
    units: str
    minimum: float | None
    maximum: float | None


@dataclass(frozen=True)
class TestedUnit:
    usid: str
    result: str  # pass / fail, or the machine's own word when it is neither
    tests: tuple
    measurements: tuple
    codes: tuple  # symptom and defect codes, symptoms first


@dataclass(frozen=True)
class InstalledMaterial:
    usid: str
    part_number: str
    material_id: str
    quantity: float | None
    references: str


def digest_of(raw):
    """The key of a message that has no readable UniqueID: a digest of its bytes."""
    return "sha256:" + hashlib.sha256(raw).hexdigest()


def envelope_read(raw):
    """The ``Envelope`` of a delivered message (bytes), or ``MessageRefused``."""
    limit = settings.CFX_MAX_MESSAGE_BYTES
    if len(raw) > limit:
        raise MessageRefused(f"The message is {len(raw):,} bytes long; at most {limit:,} are read.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise MessageRefused(
            f"The message is not UTF-8 text (byte {error.start + 1} is not)."
        ) from None
    try:
        data = json_loads(text)
    except DuplicateKey as duplicate:
        raise MessageRefused(f"The message is not valid CFX JSON: {duplicate}") from None
    except (ValueError, RecursionError):
        raise MessageRefused("The message is not JSON.") from None
    if not isinstance(data, dict):
        raise MessageRefused("The message is not a JSON object with a MessageName.")
    name = _text(data, "MessageName", NAME_MAX_LENGTH)
    unique_id = _text(data, "UniqueID", MESSAGE_KEY_MAX_LENGTH)
    source = _text(data, "Source", HANDLE_MAX_LENGTH)
    body = data.get("MessageBody")
    if not isinstance(body, dict):
        raise MessageRefused(f"The {name} message has no MessageBody object.")
    return Envelope(name=name, unique_id=unique_id, source=source, body=body)


def _text(data, key, max_length, *, where="message"):
    try:
        return code_clean(data.get(key), label=key, max_length=max_length)
    except ValidationError as error:
        raise MessageRefused(f"The {where}'s {key}: {' '.join(error.messages)}") from None


def _optional_text(data, key):
    value = data.get(key)
    return value[:NAME_MAX_LENGTH] if isinstance(value, str) else ""


def _list(data, key, where):
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise MessageRefused(f"{where}: {key} must be a list of objects.")
    return value


def _usid(data, where, key="UnitIdentifier"):
    try:
        return usid_clean(data.get(key), label=key)
    except ValidationError as error:
        raise MessageRefused(f"{where}: {' '.join(error.messages)}") from None


def _number(value, what):
    """A finite number (not a boolean, not text), or ``MessageRefused`` naming ``what``."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise MessageRefused(f"{what} is {json.dumps(value)[:40]}, not a number.")
    return float(value)


def _optional_number(value, what):
    return None if value is None else _number(value, what)


def units_tested_read(body):
    """The tested units of a ``UnitsTested`` body, each with its tests, measurements and codes."""
    units = _list(body, "TestedUnits", "UnitsTested")
    if not units:
        raise MessageRefused("UnitsTested: TestedUnits lists no unit.")
    return tuple(_tested_unit(unit, index) for index, unit in enumerate(units, start=1))


def _tested_unit(unit, index):
    where = f"Tested unit {index}"
    usid = _usid(unit, where)
    where = f"Tested unit {usid}"
    overall = unit.get("OverallResult")
    if not isinstance(overall, str) or not overall:
        raise MessageRefused(f"{where}: OverallResult is missing (Passed or Failed).")
    tests, measurements, symptoms, defects = [], [], [], []
    for test in _list(unit, "Tests", where):
        test_name = _text(test, "TestName", NAME_MAX_LENGTH, where=f"{where}'s test")
        tests.append(test_name)
        for measurement in _list(test, "Measurements", f"{where}, test {test_name}"):
            measurements.append(_measurement(measurement, test_name, where))
        for symptom in _list(test, "SymptomsFound", f"{where}, test {test_name}"):
            symptoms.append(_text(symptom, "SymptomCode", NAME_MAX_LENGTH, where=where))
        for defect in _list(test, "DefectsFound", f"{where}, test {test_name}"):
            defects.append(_text(defect, "DefectCode", NAME_MAX_LENGTH, where=where))
    return TestedUnit(
        usid=usid,
        result=TEST_RESULTS.get(overall, overall[:40]),
        tests=tuple(tests),
        measurements=tuple(measurements),
        codes=tuple(dict.fromkeys(symptoms + defects)),
    )


def _measurement(measurement, test_name, where):
    name = _text(measurement, "MeasurementName", NAME_MAX_LENGTH, where=f"{where}'s measurement")
    value = measurement.get("MeasuredValue")
    what = f"{where}: measurement {name} of test {test_name}"
    if not isinstance(value, dict):
        raise MessageRefused(f"{what} has no MeasuredValue object.")
    units = value.get("ValueUnits")
    return Measurement(
        test=test_name,
        name=name,
        value=_number(value.get("Value"), f"{what}: its value"),
        units=units if isinstance(units, str) else "",
        minimum=_optional_number(value.get("MinimumAcceptableValue"), f"{what}: its minimum"),
        maximum=_optional_number(value.get("MaximumAcceptableValue"), f"{what}: its maximum"),
    )


def work_completed_read(body):
    """``(result, usids)`` of a ``WorkCompleted`` body: its Result (Completed, Failed,
    Aborted) and the units it names (its Units, else its PrimaryIdentifier), less the units it
    marks failed."""
    result = body.get("Result")
    if not isinstance(result, str) or not result:
        raise MessageRefused("WorkCompleted: Result is missing (Completed, Failed or Aborted).")
    units = _list(body, "Units", "WorkCompleted")
    if units:
        usids = tuple(
            _usid(unit, f"WorkCompleted unit {index}")
            for index, unit in enumerate(units, start=1)
            if not unit.get("IsInFailedState")
        )
    elif body.get("PrimaryIdentifier") is not None:
        usids = (_usid(body, "WorkCompleted", key="PrimaryIdentifier"),)
    else:
        raise MessageRefused("WorkCompleted names no unit (neither Units nor PrimaryIdentifier).")
    return result[:40], usids


def materials_installed_read(body):
    """The materials of a ``MaterialsInstalled`` body, one per unit and material."""
    installed = _list(body, "InstalledMaterials", "MaterialsInstalled")
    if not installed:
        raise MessageRefused("MaterialsInstalled: InstalledMaterials lists nothing.")
    materials = []
    for index, item in enumerate(installed, start=1):
        where = f"Installed material {index}"
        usid = _usid(item, where)
        material = item.get("Material")
        if not isinstance(material, dict):
            raise MessageRefused(f"{where}: Material is missing.")
        references = item.get("CRDs")
        materials.append(
            InstalledMaterial(
                usid=usid,
                part_number=_optional_text(material, "InternalPartNumber"),
                material_id=_optional_text(material, "UniqueIdentifier"),
                quantity=_optional_number(item.get("QuantityInstalled"), f"{where}: quantity"),
                references=references if isinstance(references, str) else "",
            )
        )
    return tuple(materials)
