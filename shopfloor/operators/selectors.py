"""Reads of the operators app: who holds a badge, who is qualified for what."""

from django.contrib.auth import get_user_model
from django.db.models import Prefetch

from shopfloor.operators.models import Qualification, QualificationRule


def operators_with_badges():
    """Active accounts with their badge (if any), by email."""
    return get_user_model().objects.filter(is_active=True).select_related("operator_badge")


def person_qualifications(person):
    return Qualification.objects.filter(user=person).select_related("rule__station", "rule__part")


def qualification_board():
    """Every qualification rule with its qualifications (expired ones too, marked by the
    template), for the supervisor's page."""
    holders = Qualification.objects.select_related("user").order_by("expires_on")
    return QualificationRule.objects.select_related("station", "part").prefetch_related(
        Prefetch("qualifications", queryset=holders)
    )
