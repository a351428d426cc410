"""Keep derived data right when rows change outside the services (the admin, deletions)."""

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from .models import Enrollment, Program, Session


@receiver(post_save, sender=Session)
@receiver(post_delete, sender=Session)
def refresh_programs_next_session(sender, instance, raw=False, **kwargs):
    if raw:
        return  # fixtures load rows as they are
    # A session moved to another program changes both programs' next session.
    programs = {instance.program_id, getattr(instance, "loaded_program_id", None)} - {None}
    Program.objects.filter(pk__in=programs).refresh_next_session()


@receiver(post_save, sender=Session)
def give_added_seats_to_the_waiting_list(sender, instance, created, raw=False, **kwargs):
    """Organizers may add seats in the admin; people waiting get them first."""
    if raw or created or instance.is_cancelled or instance.seats_taken >= instance.seats:
        return
    if Enrollment.objects.filter(session_id=instance.pk, status=Enrollment.Status.WAITLISTED).exists():
        from .services import session_fill_from_waitlist

        session_id = instance.pk
        transaction.on_commit(lambda: session_fill_from_waitlist(session_id=session_id), robust=True)


@receiver(pre_delete, sender=settings.AUTH_USER_MODEL)
def withdraw_a_leaving_person(sender, instance, **kwargs):
    """Before an account goes, its seats in sessions to come pass to people waiting."""
    from .services import person_withdraw_from_upcoming

    person_withdraw_from_upcoming(user=instance)
