# English on the line: dates as the plant's systems write them (2026-12-31), and a moment to the
# second on the 24-hour clock (a unit's story orders events seconds apart). Django's own English
# formats are US ones (12/31/2026, 3:30 p.m.).
SHORT_DATE_FORMAT = "Y-m-d"
SHORT_DATETIME_FORMAT = "Y-m-d H:i:s"
