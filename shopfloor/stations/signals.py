"""What the scan service tells other apps, after the fact."""

from django.dispatch import Signal

# Sent once a scan that registered a new unit has committed: usid, part_id, station_id.
unit_registered = Signal()
