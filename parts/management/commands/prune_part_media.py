from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.management.base import BaseCommand
from django.utils import timezone

from parts.selectors import part_referenced_media

MEDIA_FOLDER = "parts"


def stored_names(folder=MEDIA_FOLDER):
    """Every file name under a storage folder, recursively."""
    if not default_storage.exists(folder):
        return
    folders, files = default_storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from stored_names(f"{folder}/{sub}")


class Command(BaseCommand):
    help = (
        "Delete part media files that no part points at (left by a crash or a rolled-back "
        "request). Files younger than --min-age minutes are kept: an upload may be in flight."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List, delete nothing.")
        parser.add_argument("--min-age", type=int, default=60, help="Minutes (default 60).")

    def handle(self, *args, dry_run=False, min_age=60, **options):
        referenced = part_referenced_media()
        cutoff = timezone.now() - timedelta(minutes=min_age)
        orphans = [
            name
            for name in stored_names()
            if name not in referenced and default_storage.get_modified_time(name) < cutoff
        ]
        for name in orphans:
            if not dry_run:
                default_storage.delete(name)
            self.stdout.write(f"{'would delete' if dry_run else 'deleted'} {name}")
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(self.style.SUCCESS(f"{len(orphans)} orphaned media file(s) {verb}."))
