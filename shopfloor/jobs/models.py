"""Long work done by a worker process, off the request path, with the progress people see.

The queue itself is django-tasks with its database backend (``django_tasks_db``): it hands a
task to one worker process on any machine. A ``Job`` is what the product shows and keeps about
that work: whose it is, for which part, how far it has come, and where its file is. It outlives
the task: a worker killed mid-job leaves its job running with a heartbeat that stops, which
the housekeeping of any other worker notices (see ``services.jobs_housekeeping``).
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobState(models.TextChoices):
    WAITING = "waiting", _("waiting for its turn")
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    DONE = "done", _("done")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")
    EXPIRED = "expired", _("file removed")


ACTIVE_STATES = (JobState.WAITING, JobState.QUEUED, JobState.RUNNING)


class JobKind(models.TextChoices):
    EXPORT = "export", _("export")
    RECOUNT = "recount", _("dashboard recount")
    REBUILD = "rebuild", _("unit table rebuild")
    PROCEDURE_CHANGE = "procedure_change", _("procedure change")


# The permission a job's file needs, checked again when it is downloaded.
KIND_PERMISSIONS = {
    JobKind.EXPORT: "dashboards.export_data",
    JobKind.RECOUNT: "dashboards.view_dashboard",
    JobKind.REBUILD: "procedures.change_partproceduredetail",
    JobKind.PROCEDURE_CHANGE: "procedures.change_partproceduredetail",
}


class Job(models.Model):
    """One piece of long work and its progress (``rows_done`` of ``rows_total``).

    ``waiting`` jobs wait for a slot under the limits on concurrent exports; ``queued`` ones
    have a task in the queue; ``running`` ones send a heartbeat while their worker lives.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=JobKind.choices)
    label = models.CharField(_("what"), max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("started by"),
    )
    part = models.ForeignKey(
        "parts.ModelPart",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("part"),
    )
    params = models.JSONField(_("parameters"), default=dict)
    task_path = models.CharField(_("task"), max_length=200)
    queue_name = models.CharField(_("queue"), max_length=32, default="default")
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    state = models.CharField(
        _("state"), max_length=20, choices=JobState.choices, default=JobState.WAITING
    )
    rows_done = models.BigIntegerField(_("rows done"), default=0)
    rows_total = models.BigIntegerField(_("rows in all"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # How often and how long the work paused to leave the CPU and the disk to the line's
    # scans (see ``pacing``): it shows why a job ran slower than alone.
    pauses = models.PositiveIntegerField(_("pauses for the line"), default=0)
    paused_seconds = models.FloatField(_("seconds paused for the line"), default=0)
    message = models.TextField(_("message"), blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_size = models.BigIntegerField(_("file size"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last heartbeat"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("file kept until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")
        indexes = [
            models.Index(fields=["state", "kind", "created_at"], name="jobs_state_kind"),
            models.Index(fields=["owner", "created_at"], name="jobs_owner"),
        ]

    def __str__(self):
        return f"{self.label} ({self.get_state_display()})"

    def messages_language(self):
        """The language its messages are written in: its owner's, else the default one."""
        return (self.owner.language if self.owner else "") or settings.LANGUAGE_CODE

    @property
    def active(self):
        return self.state in ACTIVE_STATES
