"""CFX messages for tests, written from the public CFX message documentation (the envelope,
UnitsTested, WorkCompleted, MaterialsInstalled), and a generator of many of them."""

import json
import random
import uuid

TESTER = "CFX.A00.ICT-7"
PLACER = "CFX.A00.PNP-1"


def envelope(name, body, *, source=TESTER, unique_id=None):
    return {
        "MessageName": name,
        "Version": "1.7",
        "TimeStamp": "2026-11-30T09:15:24.123+00:00",
        "UniqueID": unique_id or str(uuid.uuid4()),
        "Source": source,
        "Target": None,
        "RequestID": None,
        "MessageBody": body,
    }


def measurement(name, value, *, units="V", low=4.75, high=5.25, result="Passed"):
    return {
        "UniqueIdentifier": str(uuid.uuid4()),
        "MeasurementName": name,
        "TimeRecorded": "2026-11-30T09:15:20.000+00:00",
        "Sequence": 1,
        "Result": result,
        "MeasuredValue": {
            "Value": value,
            "ExpectedValue": (low + high) / 2,
            "ValueUnits": units,
            "MinimumAcceptableValue": low,
            "MaximumAcceptableValue": high,
        },
        "CRDs": "TP1",
    }


def unit_result(usid, result="Passed", *, position=1, measurements=(), symptoms=(), defects=()):
    test = {
        "UniqueIdentifier": str(uuid.uuid4()),
        "TestName": "Power rail",
        "TestStartTime": "2026-11-30T09:15:10.000+00:00",
        "TestEndTime": "2026-11-30T09:15:20.000+00:00",
        "Result": result,
        "Measurements": list(measurements),
        "SymptomsFound": [
            {"SymptomCode": code, "Description": f"Symptom {code}"} for code in symptoms
        ],
        "DefectsFound": [
            {"DefectCode": code, "Description": f"Defect {code}", "Priority": 1} for code in defects
        ],
    }
    return {
        "UnitIdentifier": usid,
        "UnitPositionNumber": position,
        "UnitName": f"BOARD{position}",
        "OverallResult": result,
        "Tests": [test],
    }


def units_tested(*units, source=TESTER, unique_id=None):
    body = {
        "TransactionID": str(uuid.uuid4()),
        "TestMethod": "Functional",
        "Tester": {"OperatorIdentifier": "", "ActorType": "Machine"},
        "TestedBy": None,
        "RecipeName": "EICS112 ICT",
        "RecipeRevision": "3",
        "TestStartTime": "2026-11-30T09:15:10.000+00:00",
        "TestEndTime": "2026-11-30T09:15:22.000+00:00",
        "TestedUnits": list(units),
    }
    return envelope(
        "CFX.Production.TestAndInspection.UnitsTested", body, source=source, unique_id=unique_id
    )


def work_completed(*usids, result="Completed", source="CFX.A00.REFLOW-2", unique_id=None):
    body = {
        "TransactionID": str(uuid.uuid4()),
        "Result": result,
        "PrimaryIdentifier": usids[0] if usids else None,
        "HermesIdentifier": None,
        "UnitCount": len(usids),
        "Units": [
            {
                "UnitIdentifier": usid,
                "PositionNumber": i,
                "PositionName": f"P{i}",
                "X": 0.0,
                "Y": 0.0,
                "Rotation": 0.0,
                "FlipX": False,
                "FlipY": False,
                "IsInFailedState": False,
            }
            for i, usid in enumerate(usids, start=1)
        ],
        "PerformedSteps": [],
    }
    return envelope("CFX.Production.WorkCompleted", body, source=source, unique_id=unique_id)


def materials_installed(
    *usids, reel="REEL-000981", part_number="CAP-100N-0402", source=PLACER, unique_id=None
):
    body = {
        "TransactionID": str(uuid.uuid4()),
        "InstalledMaterials": [
            {
                "QuantityInstalled": 1,
                "CRDs": "C12",
                "UnitIdentifier": usid,
                "UnitPositionNumber": position,
                "Material": {
                    "UniqueIdentifier": reel,
                    "InternalPartNumber": part_number,
                    "Vendor": "Murata",
                    "VendorLotNumber": "L2611",
                    "Quantity": 9000,
                },
            }
            for position, usid in enumerate(usids, start=1)
        ],
    }
    return envelope(
        "CFX.Production.Assembly.MaterialsInstalled", body, source=source, unique_id=unique_id
    )


def encoded(message):
    return json.dumps(message).encode()


def generated(usids, *, seed, source=TESTER, fail_share=0.2, batch=3):
    """UnitsTested messages for ``usids`` (one to ``batch`` units each), some failing with a
    symptom code, measurement values drawn at random: ``(messages, expected results)``."""
    rng = random.Random(seed)
    messages, expected = [], {}
    usids = list(usids)
    while usids:
        batch_ = usids[: rng.randint(1, batch)]
        usids = usids[len(batch_) :]
        units = []
        for position, usid in enumerate(batch_, start=1):
            failed = rng.random() < fail_share
            value = round(rng.uniform(4.0, 6.0), 3)
            units.append(
                unit_result(
                    usid,
                    "Failed" if failed else "Passed",
                    position=position,
                    measurements=[measurement("VOUT", value)],
                    symptoms=["E-OPEN"] if failed else (),
                )
            )
            expected[usid] = "fail" if failed else "pass"
        messages.append(units_tested(*units, source=source))
    return messages, expected
