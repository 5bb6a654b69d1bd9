"""Hostile input shared by the fuzz and corpus tests: names nobody should have to think of,
and hypothesis strategies for any JSON value (with those names among the strings)."""

from hypothesis import strategies as st

NASTY_NAMES = [
    "Robert'); DROP TABLE parts_modelpart;--",
    "' OR '1'='1",
    '" OR ""="',
    "1; DELETE FROM stations_scanevent WHERE 1=1",
    "SELECT * FROM accounts_user",
    "UNION SELECT password FROM accounts_user--",
    "%s%s%s%n",
    "{0.__class__}",
    "${7*7}{{7*7}}",
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "../../../../etc/passwd",
    "C:\\Windows\\system32",
    "NULL",
    "None",
    "true",
    "0x00",
    "\x00",
    "U1\x00",
    "\ud800",
    "a\udfffb",
    "\u202egnp.exe",
    "zero\u200bwidth",
    "\ufeffBOM",
    "Ünïcödé Ωμέγα 日本語 العربية",
    "🔥💥🚀",
    "e\u0301\u0301\u0301\u0301",
    "\t \n",
    " ",
    "",
    "x" * 10_000,
    "é" * 10_000,
]

nasty_names = st.sampled_from(NASTY_NAMES)
json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | nasty_names
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)

# Values for query parameters and headers: numbers, dates and positions at and past their
# edges, besides the names above. Each kind once gave a 500: a NUL reaching PostgreSQL, a
# date one day short of the calendar's end, a byte position of thousands of digits.
EDGE_VALUES = [
    "9" * 5000,
    "0" * 5000 + "1",
    "-1",
    "0",
    "-0",
    "1e400",
    "18446744073709551616",
    "-9223372036854775809",
    "NaN",
    "inf",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "1",
    "on",
    "%00",
    "%",
    "a\x00b",
]
query_values = st.sampled_from(NASTY_NAMES + EDGE_VALUES) | st.text(max_size=12)
