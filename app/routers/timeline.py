"""``/v1/timeline``: matching events in date buckets that respect each event's precision."""

from typing import Annotated, Any

from fastapi import Query

from app import formats, queries
from app.db import SessionDep
from app.errors import problem_responses
from app.routers import resource_router
from app.schemas import Timeline, TimelineQuery

router = resource_router("/v1/timeline", tag="timeline")


@router.get(
    "",
    response_model=Timeline,
    summary="Bucket events by date",
    responses=problem_responses(422),
)
async def get_timeline(session: SessionDep, query: Annotated[TimelineQuery, Query()]) -> Any:
    """Events matching the event filters, counted in `year`, `month` or `day` buckets.

    Precision is honoured: an event known only to the month is never put in a day bucket; it
    appears in a bucket of its own precision (`2025-09`), which comes before the day buckets
    of that month. Undated events are left out and counted in `undated`.
    """
    buckets, undated = queries.timeline(
        session,
        query.filters(),
        bucket=query.bucket,
        events_per_bucket=query.events_per_bucket,
    )
    return formats.timeline_response(buckets, query.bucket, undated)
