"""Helpers of the database tests."""

import datetime

import sqlalchemy as sa

from hahealer.db import models


def expire_duplicate_windows(database):
    """Every notification key's duplicate window ends now."""
    with database.session() as session:
        session.execute(sa.update(models.NotificationKey).values(
            expires_at=models.utcnow() - datetime.timedelta(seconds=1)))
