"""Writes to the catalogue that change what shoppers can find."""
from __future__ import annotations

from storefront.catalog.outbox import mark_model_for_reindex
from storefront.catalog.tables import ProductModel


async def set_model_dereferenced(model_id: int, dereferenced: bool, *, reason: str = "") -> None:
    """A dereferenced product answers 410 and leaves search; reinstating brings it back."""
    async with ProductModel._meta.db.transaction():
        await ProductModel.update(
            {ProductModel.is_dereferenced: dereferenced, ProductModel.dereferenced_reason: reason}
        ).where(ProductModel.id == model_id)
        await mark_model_for_reindex(model_id)
