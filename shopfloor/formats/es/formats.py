# Spanish formats are Django's (31/12/2026), with a moment to the second: a unit's story orders
# events seconds apart.
SHORT_DATETIME_FORMAT = "d/m/Y H:i:s"
