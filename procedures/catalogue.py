"""The stage catalogue: the process steps most parts go through, ready to add to a procedure.

Each entry is the stage as procedure_config v1 writes it, so adding one from the catalogue
gives a complete, valid stage that the engineer may then adjust.
"""

from types import MappingProxyType

from django.utils.translation import gettext_lazy as _

STAGE_CATALOGUE = MappingProxyType(
    {
        "smd": {"label": _("SMD"), "result": "pass_fail", "media": ["part_image"]},
        "leaded": {"label": _("Leaded"), "result": "done", "media": ["part_image"]},
        "prod_qc": {"label": _("Production QC"), "result": "pass_fail", "media": ["part_image"]},
        "qc": {"label": _("QC"), "result": "pass_fail", "media": ["qc_video"]},
        "testing": {"label": _("Testing"), "result": "pass_fail", "media": ["testing_video"]},
        "glueing": {"label": _("Glueing"), "result": "done", "media": []},
        "cleaning": {"label": _("Cleaning"), "result": "done", "media": []},
        "spraying": {"label": _("Spraying"), "result": "done", "media": []},
        "dispatch": {"label": _("Dispatch"), "result": "done", "media": []},
    }
)


def catalogue_stage(key):
    """The v1 stage entry for catalogue stage ``key`` (a fresh dict the caller may change)."""
    entry = STAGE_CATALOGUE[key]
    return {
        "key": key,
        "label": str(entry["label"]),
        "optional": False,
        "result": entry["result"],
        "instructions": "",
        "media": list(entry["media"]),
    }
