"""Notifications: an outbox row per recipient written with the change that causes it, shown in the app, and
mailed after commit; scheduled reminders; preferences per user and kind; the personal calendar and its feed."""
