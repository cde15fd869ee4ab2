"""``/v1/network``: actors as nodes, relations and shared events as typed, weighted edges."""

from typing import Annotated, Any

from fastapi import Query

from app import formats, queries
from app.db import SessionDep
from app.errors import problem_responses
from app.routers import resource_router
from app.schemas import EventFilter, Network, NetworkQuery

router = resource_router("/v1/network", tag="network")


@router.get(
    "",
    response_model=Network,
    summary="Actor network",
    responses=problem_responses(422),
)
async def get_network(session: SessionDep, query: Annotated[NetworkQuery, Query()]) -> Any:
    """Actors linked by curated relations (`relation`, weight 1) and by the events they take part
    in together (`co_event`, weighted by the number of shared events), each edge with its evidence.

    `date_from`/`date_to` and `type` select the events that make `co_event` edges; `kind` keeps
    actors of those kinds. At most `max_edges` edges (500 by default): the relations, then the
    `co_event` edges of most shared events; `edges_omitted` counts the rest. A `co_event` edge
    lists its first `edge_events` shared events (20 by default) with their evidence; `weight`
    counts them all. Nodes and edges use the field names of Grafana's node graph
    (`id`, `title`, `subtitle`, `mainstat`; `source`, `target`) and load directly into d3-force.
    """
    filters = EventFilter(period=query.period(), types=tuple(query.type or ()))
    network = queries.network(
        session,
        filters,
        kinds=query.kind,
        max_edges=query.max_edges,
        edge_events=query.edge_events,
    )
    return formats.model_response(network)
