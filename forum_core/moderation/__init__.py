"""Moderation: flags, the queue, hiding and deleting, suspending members, the audit log."""
