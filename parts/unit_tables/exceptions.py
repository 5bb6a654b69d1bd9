"""What the unit-table engine raises. Bad procedure input is a Django ``ValidationError``."""


class UnitTableError(Exception):
    """Base of the unit-table engine's own errors."""


class NoUnitTable(UnitTableError):
    """The part has no procedure yet, so it has no unit table."""


class UnitTableBusy(UnitTableError):
    """The unit table was locked by work in progress (scans) longer than the lock timeout.

    Nothing was changed; saving again a moment later usually succeeds.
    """
