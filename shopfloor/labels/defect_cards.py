"""Defect-code cards: one card per active defect reason, its code as a Code 128 barcode, for
the station's wall, so that an operator scans the reason instead of typing it."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shopfloor.labels.drawing import layouts_pdf
from shopfloor.labels.layout import LabelDoesNotFit, label_layout
from shopfloor.labels.printing import zpl_send
from shopfloor.labels.symbols import CODE128
from shopfloor.labels.zpl import layout_zpl
from shopfloor.stations.selectors import operator_defect_reasons

CARD_WIDTH_MM = 85.6  # a bank card
CARD_HEIGHT_MM = 54.0
CARD_TEXT_PT = 16


def defect_reasons():
    return operator_defect_reasons().order_by("label")


def defect_card(reason):
    """The layout of ``reason``'s card: the code as a barcode, the label and code below."""
    try:
        return label_layout(
            width=CARD_WIDTH_MM,
            height=CARD_HEIGHT_MM,
            symbology=CODE128,
            data=reason.code,
            lines=[reason.label, reason.code],
            text_pt=CARD_TEXT_PT,
        )
    except LabelDoesNotFit as error:
        raise ValidationError(
            _("The card of %(code)s: %(reason)s") % {"code": reason.code, "reason": error}
        ) from None


def defect_cards_pdf():
    return layouts_pdf(
        [defect_card(reason) for reason in defect_reasons()], title=_("Defect cards")
    )


def defect_cards_print(*, printer):
    """Send every active reason's card to ``printer``; raises ``PrinterError``."""
    zpl = "".join(
        layout_zpl(defect_card(reason), symbology=CODE128, data=reason.code, dpi=printer.dpi)
        for reason in defect_reasons()
    )
    if not zpl:
        raise ValidationError(_("There is no active defect reason to print."))
    zpl_send(name=printer.name, host=printer.host, port=printer.port, zpl=zpl)
