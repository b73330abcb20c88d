"""Builds search documents from the database with the store's strategy, and keeps the index in step.

Domain writes mark the variants they touched in the search outbox (storefront.catalog.outbox) inside their
own transaction; `drain()` reindexes them. It runs after each response that wrote to the outbox, in the
scheduled jobs and from `manage sync-index` (search_index.drain). If the engine is down the rows stay and
the next drain catches up.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import anyio.to_thread

from search_index.backends import SearchBackend, SearchUnavailable
from storefront.catalog import queries
from storefront.catalog.tables import SearchOutbox
from storefront.ranking import RankingWeights
from storefront.sellers.availability import availability
from storefront.strategy import offer_signals, product_document

log = logging.getLogger(__name__)


async def build_documents(
    weights: RankingWeights, variant_ids: Sequence[int] | None = None
) -> tuple[list[dict[str, Any]], list[int]]:
    """Documents for the given variants (all when None), and the ids that must leave the index."""
    rows = await queries.variants_with_offers(variant_ids)
    model_ids = sorted({variant["model"] for variant, _ in rows})
    snapshot = await queries.load_snapshot(model_ids if variant_ids is not None else None)
    documents: list[dict[str, Any]] = []
    gone: list[int] = []
    for variant, offers in rows:
        model = snapshot.models[variant["model"]]
        signals = [
            offer_signals(o, snapshot.sellers[o["seller"]], variant, model)
            for o in offers
            if availability(o, snapshot.sellers[o["seller"]], model).buyable
        ]
        doc = product_document(
            variant=variant, model=model, brand=snapshot.brands[model["brand"]],
            categories=snapshot.category_chain(model["category"]), signals=signals, weights=weights,
            # A card announces a reduction only as the product page would: against the offer's prior price.
            prior_prices={o["id"]: o["prior_price_cents"] for o in offers if o["prior_price_cents"] is not None},
        )
        if doc is None:
            gone.append(variant["id"])
        else:
            documents.append(doc)
    if variant_ids is not None:
        found = {variant["id"] for variant, _ in rows}
        gone.extend(v for v in variant_ids if v not in found)
    return documents, gone


async def rebuild(backend: SearchBackend, weights: RankingWeights) -> int:
    documents, _ = await build_documents(weights)
    await anyio.to_thread.run_sync(backend.configure)
    count = await anyio.to_thread.run_sync(backend.replace_all, documents)
    await SearchOutbox.delete(force=True)
    return count


async def drain(backend: SearchBackend, weights: RankingWeights) -> int:
    """Reindex what the outbox holds; returns how many variants were handled."""
    pending = await SearchOutbox.select(SearchOutbox.id, SearchOutbox.variant_id)
    if not pending:
        return 0
    variant_ids = sorted({row["variant_id"] for row in pending})
    documents, gone = await build_documents(weights, variant_ids)
    try:
        if gone:
            await anyio.to_thread.run_sync(backend.delete, gone)
        if documents:
            await anyio.to_thread.run_sync(backend.upsert, documents)
    except SearchUnavailable:
        log.warning("search engine unavailable; %d variants wait in the outbox", len(variant_ids))
        return 0
    # Only the rows read above: a change committed meanwhile keeps its own row for the next drain.
    await SearchOutbox.delete().where(SearchOutbox.id.is_in([row["id"] for row in pending]))
    return len(variant_ids)
