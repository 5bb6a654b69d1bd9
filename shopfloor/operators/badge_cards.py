"""Badge cards: the operator's badge code as a barcode on a bank-card-sized card.

The code exists only while an admin issues the badge (the database keeps a keyed hash), so a
card is printed then, in the same step; a lost card is replaced by issuing a new badge. Cards
are drawn by the label engine, like defect-code cards: Code 128 when the code fits the card,
QR otherwise.
"""

import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from shopfloor.labels.defect_cards import CARD_HEIGHT_MM, CARD_TEXT_PT, CARD_WIDTH_MM
from shopfloor.labels.drawing import layouts_pdf
from shopfloor.labels.layout import LabelDoesNotFit, label_layout
from shopfloor.labels.printing import zpl_send
from shopfloor.labels.symbols import CODE128, QR
from shopfloor.labels.zpl import layout_zpl
from shopfloor.operators.badges import badge_card_text


def badge_card(user, code):
    """The card's (layout, symbology, barcode text) for ``user``'s badge ``code``."""
    data = badge_card_text(code)
    name = _card_name(user)
    lines = [name]
    for symbology in (CODE128, QR):
        try:
            layout = label_layout(
                width=CARD_WIDTH_MM,
                height=CARD_HEIGHT_MM,
                symbology=symbology,
                data=data,
                lines=lines,
                text_pt=CARD_TEXT_PT,
            )
        except LabelDoesNotFit as error:
            last_error = error
            continue
        return layout, symbology, data
    raise ValidationError(
        _("The badge card of %(name)s: %(problem)s") % {"name": name, "problem": last_error}
    )


def _card_name(user):
    """The name as the label printers' fonts hold it: ASCII, accents dropped, cut to fit."""
    name = unicodedata.normalize("NFKD", user.get_full_name())
    name = "".join(char for char in name if " " <= char <= "~").strip() or user.email
    return name if len(name) <= 28 else name[:25] + "..."


def badge_card_pdf(user, code):
    layout, _symbology, _data = badge_card(user, code)
    return layouts_pdf([layout], title=_("Badge card"))


def badge_card_print(user, code, *, printer):
    """Send the card to ``printer``; raises ``PrinterError``."""
    layout, symbology, data = badge_card(user, code)
    zpl = layout_zpl(layout, symbology=symbology, data=data, dpi=printer.dpi)
    zpl_send(name=printer.name, host=printer.host, port=printer.port, zpl=zpl)
