from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _


class ProcedureConflict(Exception):
    """Someone else saved the procedure after this edit began; nothing of this edit was saved."""

    def __init__(self, *, part, changed_by, changed_at, current_version):
        self.part = part
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version
        who = self.changed_by_name
        when = date_format(timezone.localtime(changed_at), "DATETIME_FORMAT") if changed_at else "?"
        super().__init__(
            _(
                "The procedure of %(part_no)s was changed by %(who)s at %(when)s (now version "
                "%(version)s) after you opened it; nothing of your edit was saved. Reload the "
                "procedure and make your change again."
            )
            % {"part_no": part.part_no, "who": who, "when": when, "version": current_version}
        )

    @property
    def changed_by_name(self):
        if self.changed_by is None:
            return _("someone")
        return self.changed_by.get_full_name()
