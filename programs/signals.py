"""Keep Program.next_session_at in step with its sessions, however they are edited."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import Program, Session


@receiver(post_save, sender=Session)
@receiver(post_delete, sender=Session)
def refresh_programs_next_session(sender, instance, **kwargs):
    Program.objects.filter(pk=instance.program_id).refresh_next_session()
