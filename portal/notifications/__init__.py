"""Notifications: in-portal messages of registered kinds (``kinds``), each user's choice of
kinds (``preferences``), sending and delivery elsewhere through a hook (``service``), and the
daily reminders and digests selected in SQL (``daily``)."""
