"""The OpenAPI 3.1 document of the scan API v1, served at ``/api/v1/openapi.json``.

Built from the same names the API answers with (the models' choices, the field limits), and
kept true by schemathesis, which the test suite runs against a live server: every operation,
every answer checked against this document. Other parts of the API add what they serve in
the same shape: an operation to ``PATHS``, a schema to ``SCHEMAS``, a property of the unit's
answer to ``UNIT_PROPERTIES``.
"""

import copy

from parts.unit_tables.naming import KEY_MAX_LENGTH, USID_MAX_LENGTH
from shopfloor.genealogy.installing import MAX_SENT as COMPONENTS_MAX
from shopfloor.genealogy.models import LOT_MAX_LENGTH
from shopfloor.labels.models import LabelEvent
from shopfloor.scanning.rules import PART_NO_MAX_LENGTH
from shopfloor.stations.models import SCAN_ID_MAX_LENGTH, ScanEvent


def _ref(name):
    return {"$ref": f"#/components/schemas/{name}"}


def _values(choices):
    return [value for value, _label in choices]


TEXT = {"type": "string"}
WHEN = {"type": "string", "format": "date-time"}
COUNT = {"type": "integer", "minimum": 0}

NAMED_UNIT = {
    "type": "object",
    "required": ["usid", "part_no"],
    "properties": {"usid": TEXT, "part_no": TEXT},
}
VALUE = {
    "type": ["number", "string", "boolean", "null"],
    "description": "A field's value: a number, text, yes/no or a date (YYYY-MM-DD); unset: null.",
}

UNIT_PROPERTIES = {
    "usid": {**TEXT, "description": "The USID as registered."},
    "part_no": TEXT,
    "model_no": TEXT,
    "tag_no": {**TEXT, "description": "The paired tag, or empty."},
    "on_hold": {"type": "boolean"},
    "registered_at": WHEN,
    "stages": {"type": "array", "items": _ref("StageState")},
    "history": {"type": "array", "items": _ref("UnitEvent")},
    "labels": {"type": "array", "items": _ref("LabelEvent")},
    "data": {
        "type": "object",
        "additionalProperties": VALUE,
        "description": "The unit's field values by field key (stage data and unit fields).",
    },
    "components": {
        "type": "array",
        "items": _ref("Component"),
        "description": "What is installed in the unit: child units and material lots.",
    },
    "installed_in": {
        "oneOf": [NAMED_UNIT, {"type": "null"}],
        "description": "The unit this one is installed in, or null.",
    },
}

SCHEMAS = {
    "ScanRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["usid", "stage"],
        "properties": {
            "usid": {**TEXT, "minLength": 1, "maxLength": USID_MAX_LENGTH},
            "stage": {**TEXT, "minLength": 1, "maxLength": KEY_MAX_LENGTH},
            "result": {"enum": _values(ScanEvent.Result.choices)},
            "part_no": {**TEXT, "maxLength": PART_NO_MAX_LENGTH},
            "tag_no": {**TEXT, "maxLength": USID_MAX_LENGTH},
            "defect": {**TEXT, "description": "A defect reason code; required with fail."},
            "station": {**TEXT, "description": "A station's name."},
            "operator": {
                **TEXT,
                "maxLength": 254,
                "description": "The email the operator signs in with: the scan is theirs, and "
                "at a station or stage limited to qualified operators it must name one who is.",
            },
            "scan_id": {
                **TEXT,
                "minLength": 1,
                "maxLength": SCAN_ID_MAX_LENGTH,
                "description": "The client's id of this scan: a replay is answered once.",
            },
            "data": {
                "type": "object",
                "additionalProperties": VALUE,
                "description": "Values of the stage's fields by field key, e.g. "
                '{"v_out": 5.01}: checked against the procedure (type, choices, limits).',
            },
            "components": {
                "type": "object",
                "maxProperties": COMPONENTS_MAX,
                "additionalProperties": {**TEXT, "minLength": 1, "maxLength": LOT_MAX_LENGTH},
                "description": "What the stage installs, by component key: a unit's USID or a "
                'lot code, e.g. {"psu": "PSU-000123"}.',
            },
        },
    },
    "ScanAnswer": {
        "type": "object",
        "required": ["status", "usid", "stage", "result", "part_no", "message"],
        "properties": {
            "status": {"enum": ["recorded", "already_recorded"]},
            "usid": TEXT,
            "stage": TEXT,
            "result": {"enum": _values(ScanEvent.Result.choices)},
            "part_no": TEXT,
            "message": TEXT,
            "event_id": {"type": "integer"},
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": TEXT,
                    "message": TEXT,
                    "fields": {"type": "object", "additionalProperties": TEXT},
                    "allowed": {"type": "array", "items": TEXT},
                    "missing": {"type": "array", "items": TEXT},
                    "failed": {"type": "array", "items": TEXT},
                    "part_no": TEXT,
                    "reason": TEXT,
                },
            }
        },
    },
    "StageState": {
        "type": "object",
        "required": ["key", "label", "optional", "kind", "done", "result", "at", "by_id"],
        "properties": {
            "key": TEXT,
            "label": TEXT,
            "optional": {"type": "boolean"},
            "kind": {"enum": ["pass_fail", "done"]},
            "done": {"type": "boolean"},
            "result": {"enum": [*_values(ScanEvent.Result.choices), None]},
            "at": {"oneOf": [WHEN, {"type": "null"}]},
            "by_id": {"type": ["integer", "null"]},
        },
    },
    "UnitEvent": {
        "type": "object",
        "required": ["at", "action", "stage", "result", "defect", "source", "station", "by"],
        "properties": {
            "at": WHEN,
            "action": {"enum": _values(ScanEvent.Action.choices)},
            "stage": TEXT,
            "result": TEXT,
            "defect": TEXT,
            "source": {"enum": _values(ScanEvent.Source.choices)},
            "station": TEXT,
            "by": TEXT,
            "reason": TEXT,
            "tag_no": TEXT,
            "data": {
                "type": ["object", "null"],
                "additionalProperties": True,
                "description": "The values recorded with the scan, or null.",
            },
        },
    },
    "LabelEvent": {
        "type": "object",
        "required": ["at", "action", "output", "printer", "station", "by", "reason", "error"],
        "properties": {
            "at": WHEN,
            "action": {"enum": _values(LabelEvent.Action.choices)},
            "output": TEXT,
            "printer": TEXT,
            "station": TEXT,
            "by": TEXT,
            "reason": TEXT,
            "error": TEXT,
        },
    },
    "Unit": {"type": "object", "required": list(UNIT_PROPERTIES), "properties": UNIT_PROPERTIES},
    "Component": {
        "type": "object",
        "required": ["key", "part_no", "stage", "at"],
        "properties": {
            "key": TEXT,
            "usid": {**TEXT, "description": "The child unit installed (a unit component)."},
            "lot": {**TEXT, "description": "The lot code installed (a lot component)."},
            "part_no": {
                "type": ["string", "null"],
                "description": "The child's part; null for a lot.",
            },
            "stage": TEXT,
            "at": WHEN,
            "designator": TEXT,
            "components": {
                "type": "array",
                "items": _ref("Component"),
                "description": "The child unit's own components (trace only).",
            },
        },
    },
    "TracedUnit": {
        "type": "object",
        "required": ["usid", "part_no", "via"],
        "properties": {
            "usid": TEXT,
            "part_no": TEXT,
            "via": {
                "type": "array",
                "items": TEXT,
                "description": "The child units between the lot (or unit) and this one.",
            },
        },
    },
    "LotTrace": {
        "type": "object",
        "required": ["lot", "units"],
        "properties": {
            "lot": TEXT,
            "units": {"type": "array", "items": _ref("TracedUnit")},
        },
    },
    "UnitTrace": {
        "type": "object",
        "required": ["usid", "part_no", "components", "installed_in", "chain", "used_in"],
        "properties": {
            "usid": TEXT,
            "part_no": TEXT,
            "components": {"type": "array", "items": _ref("Component")},
            "installed_in": {"oneOf": [NAMED_UNIT, {"type": "null"}]},
            "chain": {
                "type": "array",
                "items": NAMED_UNIT,
                "description": "The units it is installed in, nearest first.",
            },
            "used_in": {"type": "array", "items": _ref("TracedUnit")},
        },
    },
    "PartSummary": {
        "type": "object",
        "required": ["part_no", "model_no", "units", "on_hold", "stages"],
        "properties": {
            "part_no": TEXT,
            "model_no": TEXT,
            "units": COUNT,
            "on_hold": COUNT,
            "stages": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["key", "label", "done", "failed", "pending"],
                    "properties": {
                        "key": TEXT,
                        "label": TEXT,
                        "done": COUNT,
                        "failed": COUNT,
                        "pending": COUNT,
                    },
                },
            },
        },
    },
}


def _answer(description, schema="Error"):
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


REFUSALS = {
    "400": _answer("Invalid: error.fields names each bad field."),
    "401": _answer("No token, or a wrong, rotated or revoked one."),
    "403": _answer("The token may not do this (stage, station, read scope)."),
    "405": _answer("Another method than the one this endpoint takes."),
}
READ_REFUSALS = {**REFUSALS, "404": _answer("Unknown unit or part.")}

PATHS = {
    "/api/v1/scans": {
        "post": {
            "operationId": "scanCreate",
            "summary": "Record a scan of a unit at a stage",
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("ScanRequest")}},
            },
            "responses": {
                "201": {
                    **_answer("Recorded.", "ScanAnswer"),
                    "links": {
                        "UnitScanned": {
                            "operationId": "unitDetail",
                            "parameters": {"usid": "$response.body#/usid"},
                        },
                        "PartScanned": {
                            "operationId": "partSummary",
                            "parameters": {"part_no": "$response.body#/part_no"},
                        },
                    },
                },
                "200": _answer(
                    "Already recorded (or a replay of a scan_id): nothing written.", "ScanAnswer"
                ),
                **READ_REFUSALS,
                "409": _answer("Stage order, hold, another part, a result or tag conflict."),
            },
        }
    },
    "/api/v1/units/{usid}": {
        "get": {
            "operationId": "unitDetail",
            "summary": "A unit: its stages, history and labels",
            "parameters": [
                {
                    "name": "usid",
                    "in": "path",
                    "required": True,
                    "schema": TEXT,
                    "example": "U00001",
                }
            ],
            "responses": {"200": _answer("The unit.", "Unit"), **READ_REFUSALS},
        }
    },
    "/api/v1/parts/{part_no}/summary": {
        "get": {
            "operationId": "partSummary",
            "summary": "Units of a part per stage: done, failed, pending",
            "parameters": [
                {
                    "name": "part_no",
                    "in": "path",
                    "required": True,
                    "schema": TEXT,
                    "example": "EICS112_Part",
                }
            ],
            "responses": {"200": _answer("The summary.", "PartSummary"), **READ_REFUSALS},
        }
    },
    "/api/v1/trace": {
        "get": {
            "operationId": "trace",
            "summary": "Where a lot or a unit went: ?lot= or ?usid= (one of them)",
            "parameters": [
                {
                    "name": "lot",
                    "in": "query",
                    "required": False,
                    "schema": {**TEXT, "maxLength": LOT_MAX_LENGTH},
                    "description": "A lot code: every unit holding it, at every level.",
                    "example": "REEL-000981",
                },
                {
                    "name": "usid",
                    "in": "query",
                    "required": False,
                    "schema": {**TEXT, "maxLength": USID_MAX_LENGTH},
                    "description": "A unit: its component tree, where it is installed and the "
                    "units it went into.",
                },
            ],
            "responses": {
                "200": {
                    "description": "The trace of the lot, or of the unit.",
                    "content": {
                        "application/json": {
                            "schema": {"oneOf": [_ref("LotTrace"), _ref("UnitTrace")]}
                        }
                    },
                },
                **READ_REFUSALS,
            },
        }
    },
    "/api/v1/openapi.json": {
        "get": {
            "operationId": "openapiDocument",
            "summary": "This document",
            "responses": {
                "200": {
                    "description": "The OpenAPI document of the API.",
                    "content": {"application/json": {"schema": {"type": "object"}}},
                },
                **REFUSALS,
            },
        }
    },
}


def openapi_document():
    """The OpenAPI 3.1 document, as a dict (a fresh copy each call)."""
    return copy.deepcopy(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "Shopfloor scan API",
                "version": "1",
                "description": "Scans from stations, machines and scripts; units and parts "
                "read back. Every refusal answers an error code and a message in plain words.",
            },
            "security": [{"bearer": []}],
            "paths": PATHS,
            "components": {
                "schemas": SCHEMAS,
                "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            },
        }
    )
