from django.utils import timezone


class ProcedureConflict(Exception):
    """Someone else saved the procedure after this edit began; nothing of this edit was saved."""

    def __init__(self, *, part, changed_by, changed_at, current_version):
        self.part = part
        self.changed_by = changed_by
        self.changed_at = changed_at
        self.current_version = current_version
        who = self.changed_by_name
        when = (
            timezone.localtime(changed_at).strftime("%Y-%m-%d %H:%M:%S %Z") if changed_at else "?"
        )
        super().__init__(
            f"The procedure of {part.part_no} was changed by {who} at {when} (now version "
            f"{current_version}) after you opened it; nothing of your edit was saved. Reload "
            "the procedure and make your change again."
        )

    @property
    def changed_by_name(self):
        if self.changed_by is None:
            return "someone"
        return self.changed_by.get_full_name()
