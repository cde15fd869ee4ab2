"""Service endpoints: ``/v1/meta`` (what is loaded), ``/health`` (alive), ``/ready`` (database answers)."""

from fastapi import Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from app import __version__, queries
from app.db import SessionDep
from app.errors import problem_response, problem_responses
from app.observability import metrics_response
from app.routers import resource_router
from app.schemas import Health, Meta

router = resource_router(tag="service")


@router.get("/v1/meta", summary="Describe the loaded dataset")
async def get_meta(session: SessionDep) -> Meta:
    """The dataset version (a hash of the loaded data), counts per resource, the articles and
    the software version."""
    return Meta(
        dataset_version=queries.dataset_version(session),
        software_version=__version__,
        counts=queries.counts(session),
        articles=queries.all_articles(session),
    )


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    """Prometheus metrics (text exposition format)."""
    return metrics_response(request)


@router.get("/health", summary="Liveness")
async def health() -> Health:
    """Answers while the process lives; it does not touch the database."""
    return Health(status="ok")


@router.get("/ready", summary="Readiness", response_model=Health, responses=problem_responses(503))
async def ready(request: Request, session: SessionDep) -> Health | JSONResponse:
    """Answers 200 only when the database answers a query on the migrated schema, 503 otherwise."""
    try:
        queries.ping(session)
    except SQLAlchemyError:
        return problem_response(
            request,
            status=503,
            title="Not ready",
            slug="not-ready",
            detail="The database does not answer.",
        )
    return Health(status="ok")
