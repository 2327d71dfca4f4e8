"""Sorting and paging of list queries, as OpenStack APIs page.

A page is ``limit`` rows after the ``marker`` row in the requested order;
the row id breaks ties, so every order is total and pages never overlap.
"""

import sqlalchemy as sa

from hahealer import exception

DIRECTIONS = ('asc', 'desc')


def sort_columns(model, sort_keys, sort_dirs, allowed, default_dir='desc'):
    """[(column, direction)] for the keys asked, checked against
    ``allowed`` (a mapping of key to column); the id comes last."""
    sort_dirs = list(sort_dirs or ())
    # Checked even when no sort_key uses them: a typo must not pass.
    for direction in sort_dirs:
        if direction not in DIRECTIONS:
            raise exception.Invalid(
                reason=f"sort_dir {direction} is not asc or desc")
    columns = []
    for index, key in enumerate(sort_keys or ()):
        if key not in allowed:
            raise exception.Invalid(
                reason=f"sort_key {key} is not one of "
                       f"{', '.join(sorted(allowed))}")
        direction = sort_dirs[index] if index < len(sort_dirs) else (
            sort_dirs[-1] if sort_dirs else default_dir)
        columns.append((allowed[key], direction))
    if len(sort_dirs) > max(len(columns), 1):
        raise exception.Invalid(reason='more sort_dir than sort_key given')
    last_dir = columns[-1][1] if columns else default_dir
    columns.append((model.id, last_dir))
    return columns


def page(query, columns, marker_row=None, limit=None):
    """``query`` ordered by ``columns``, after ``marker_row``, at most
    ``limit`` rows."""
    query = query.order_by(*[column.asc() if direction == 'asc'
                             else column.desc()
                             for column, direction in columns])
    if marker_row is not None:
        query = query.filter(_after(columns, marker_row))
    if limit is not None:
        query = query.limit(limit)
    return query


def _after(columns, marker_row):
    """Rows strictly after the marker in this order (keyset paging)."""
    clauses = []
    for index, (column, direction) in enumerate(columns):
        value = getattr(marker_row, column.key)
        equal = [prior == getattr(marker_row, prior.key)
                 for prior, _ in columns[:index]]
        beyond = column > value if direction == 'asc' else column < value
        clauses.append(sa.and_(*equal, beyond))
    return sa.or_(*clauses)


def marker_row(session, model, marker):
    """The row a page starts after, by uuid; None without a marker."""
    if not marker:
        return None
    row = session.scalar(sa.select(model).filter_by(uuid=marker))
    if row is None:
        raise exception.MarkerNotFound(marker=marker)
    return row
