# Hindi formats Django does not give (it falls back to US ones): dates typed and shown day first
# as on Indian shop floors (31-12-2026), digits grouped in lakhs and
# crores (12,34,567) where grouping is asked for.
DATETIME_FORMAT = "j F Y, g:i A"
YEAR_MONTH_FORMAT = "F Y"
# To the second on the 24-hour clock: a unit's story orders events seconds apart.
SHORT_DATETIME_FORMAT = "d-m-Y H:i:s"
FIRST_DAY_OF_WEEK = 0  # Sunday
DATE_INPUT_FORMATS = ["%d-%m-%Y", "%d/%m/%Y", "%d-%m-%y", "%d/%m/%y"]
DATETIME_INPUT_FORMATS = [
    "%d-%m-%Y %H:%M:%S",
    "%d-%m-%Y %H:%M",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
]
NUMBER_GROUPING = (3, 2, 0)
