"""Where CFX data waits for the parts of the product that will keep it.

Two kinds of what machines report have no home in Shopfloor yet: measurements, which become
the data of a stage (checked against the limits of the procedure field they are mapped to),
and installed materials, which become the lot components of a unit. Each function below is
called at the moment such data is recorded, inside the same transaction as the scan, with
everything it needs; today it only says what it was handed, for the message log.
"""


def stage_data_record(*, outcome, station, measurements, field_keys):
    """SEAM (stage data): keep the ``measurements`` of a unit just scanned (``outcome``, a
    ``ScanOutcome``) at ``station`` as its stage data. ``field_keys`` maps measurement names
    to procedure field keys (mapped names only). Returns a line for the message log."""
    mapped = [m for m in measurements if m.name in field_keys]
    if not mapped:
        return ""
    return f"{len(mapped)} mapped measurements of {outcome.usid} wait to be kept as stage data."


def lot_components_record(*, station, materials):
    """SEAM (genealogy): keep ``materials`` (``InstalledMaterial``) as lot components of their
    units at ``station``'s stage. Returns a line for the message log."""
    units = len({material.usid for material in materials})
    return (
        f"{len(materials)} installed materials on {units} units wait to be kept as lot "
        "components; the message stays in this log."
    )
