"""Procedure views in three rooms: ``pages`` (read, history, restore, export), ``editor`` (the
htmx procedure editor and JSON import into it) and ``api`` (the JSON endpoints that apply or
preview a procedure for programs). Business rules live in ``procedures.services``."""
