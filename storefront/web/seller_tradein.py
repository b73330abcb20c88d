"""The refurbisher's side of trade-in in the seller portal (/seller/trade-in): the programme and its figures,
the price grids (form and CSV), the incoming devices and their inspection. HTTP only: the rules live in
storefront/tradein (grids, grid_csv, inspection, photos, seller_views).

Access: the seller area's guard (storefront.web.areas); every read is scoped to `seller_id`, so another
seller's device, grid or photo answers 404 like a missing one. A refused step comes back with 400, the message
next to its field and what was typed kept; a success redirects (303).
"""
from __future__ import annotations

import contextlib
import datetime as dt
from typing import Annotated, Any

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.response import Redirect, Template

from storefront.documents.render import PDF_TYPE
from storefront.errors import NotFound, Refused
from storefront.orders.seller_views import seller_profile
from storefront.settings import Settings
from storefront.tradein import grid_csv, grids, inspection, labels, operator, photos, seller_views
from storefront.tradein.moves import trade_in_of
from storefront.tradein.states import CONDITION_LABELS, ConditionState
from storefront.web.htmx import page_or_fragment
from storefront.web.inputs import Id

CSV_TYPE = "text/csv; charset=utf-8"
# A photo, or the grid file, and the form around it.
UPLOAD_LIMIT = 12_000_000
DONE = {
    "on": "Trade-in is on: people are quoted from your grids that are not paused.",
    "off": "Trade-in is off: nobody is quoted from your grids. Devices already accepted still come to you.",
    "saved": "Grid saved.", "paused": "Grid paused: it quotes nothing until you resume it.",
    "resumed": "Grid resumed.", "imported": "The file is applied: your grids hold its prices.",
    "received": "Marked received. Inspect it, then pay the quote or make a counter-offer.",
    "inspected": "Inspection recorded.", "photo": "Photo added.",
    "suspended": "This device is reported lost or stolen: it cannot be bought. The trade-in is suspended and "
                 "Encore's team takes it from here.",
    "paid": "Paid: the person is paid in the next payout run, from your balance.",
    "countered": "Counter-offer sent: the person accepts or refuses it.",
    "returned": "Return label made: print it, stick it on the parcel and hand it to the carrier. The person has "
                "the tracking number.",
    "disputed": "Dispute sent to Encore's team, and the person is told. Both of you hear the decision.",
}


def _text(form: Any, name: str, limit: int = 2_000) -> str:
    value = form.get(name)
    return value[:limit] if isinstance(value, str) else ""


# The programme and the grids


@get("/trade-in", name="seller_tradein")
async def program_page(seller_id: NamedDependency[int], settings: NamedDependency[Settings],
                       done: Annotated[str | None, QueryParameter(max_length=20)] = None) -> Template:
    figures = await seller_views.program_figures(seller_id)
    return Template(template_name="pages/seller/tradein.html", context={
        "seller": await seller_profile(seller_id), "section": "tradein", "done": DONE.get(done or ""),
        "enabled": await grids.program_enabled(seller_id), "figures": figures,
        "average_days": seller_views.days_text(figures.average_days_x10), "grids": await grids.seller_grids(seller_id),
        "counts": await seller_views.tab_counts(seller_id), "commission_bp": settings.tradein.commission_basis_points})


@post("/trade-in/program", name="seller_tradein_program")
async def set_program(request: Request, seller_id: NamedDependency[int]) -> Redirect:
    enabled = _text(await request.form(), "enabled") == "on"
    await grids.set_program(seller_id, enabled)
    return Redirect("/seller/trade-in", status_code=303, query_params={"done": "on" if enabled else "off"})


@get("/trade-in/grids/new", name="seller_tradein_grid_new")
async def new_grid(seller_id: NamedDependency[int],
                   q: Annotated[str, QueryParameter(max_length=80)] = "") -> Template:
    return Template(template_name="pages/seller/tradein_grid_new.html", context={
        "seller": await seller_profile(seller_id), "section": "tradein", "q": q,
        "models": await grids.find_models(q)})


async def _grid_page(seller_id: int, model_id: int, *, values: dict[str, str] | None = None,
                     errors: dict[str, str] | None = None, done: str | None = None,
                     status_code: int = 200) -> Template:
    model = await grids.model_named(model_id)
    if model is None:
        raise NotFoundException()
    grid = await grids.grid_of(seller_id, model_id)
    storages = await grids.model_storages(model_id)
    if values is None:
        kept = await grids.grid_prices(grid["id"]) if grid else {}
        values = {grids.cell_name(storage, state): f"{cents / 100:.2f}" for (storage, state), cents in kept.items()}
    return Template(template_name="pages/seller/tradein_grid.html", status_code=status_code, context={
        "seller": await seller_profile(seller_id), "section": "tradein", "model": model, "grid": grid,
        "storages": storages, "states": list(CONDITION_LABELS.items()), "cell": grids.cell_name,
        "values": values, "errors": errors or {}, "done": DONE.get(done or "")})


@get("/trade-in/grids/{model_id:int}", name="seller_tradein_grid")
async def grid_page(model_id: Id, seller_id: NamedDependency[int],
                    done: Annotated[str | None, QueryParameter(max_length=20)] = None) -> Template:
    return await _grid_page(seller_id, model_id, done=done)


@post("/trade-in/grids/{model_id:int}", name="seller_tradein_grid_save")
async def save_grid(request: Request, model_id: Id, seller_id: NamedDependency[int]) -> Template | Redirect:
    form = await request.form()
    storages = await grids.model_storages(model_id)
    values = {grids.cell_name(storage, state): _text(form, grids.cell_name(storage, state), 20).strip()
              for storage in storages for state in ConditionState}
    try:
        await grids.save_grid(seller_id, grids.GridInput(model_id, storages, values))
    except Refused as refused:
        return await _grid_page(seller_id, model_id, values=values, errors=refused.problems, status_code=400)
    return Redirect(f"/seller/trade-in/grids/{model_id}", status_code=303, query_params={"done": "saved"})


@post("/trade-in/grids/{model_id:int}/pause", name="seller_tradein_grid_pause")
async def pause_grid(request: Request, model_id: Id, seller_id: NamedDependency[int]) -> Redirect:
    paused = _text(await request.form(), "paused") == "yes"
    try:
        await grids.set_paused(seller_id, model_id, paused)
    except NotFound:
        raise NotFoundException() from None
    return Redirect("/seller/trade-in", status_code=303, query_params={"done": "paused" if paused else "resumed"})


@get("/trade-in/grids.csv", name="seller_tradein_grids_export")
async def export_grids(seller_id: NamedDependency[int]) -> Response:
    text = grid_csv.grids_csv(await grids.all_prices(seller_id))
    return Response(content=text.encode("utf-8"), media_type=CSV_TYPE, headers={
        "Content-Disposition": f'attachment; filename="trade-in-grids-{dt.date.today().isoformat()}.csv"',
        "Cache-Control": "private, no-store"})


async def _import_page(seller_id: int, *, preview: grid_csv.Preview | None = None, text: str = "",
                       error: str | None = None, status_code: int = 200) -> Template:
    return Template(template_name="pages/seller/tradein_import.html", status_code=status_code, context={
        "seller": await seller_profile(seller_id), "section": "tradein", "preview": preview, "text": text,
        "error": error, "columns": grid_csv.COLUMNS, "states": [s.value for s in ConditionState],
        "max_rows": grid_csv.MAX_ROWS})


@get("/trade-in/import", name="seller_tradein_import")
async def import_form(seller_id: NamedDependency[int]) -> Template:
    return await _import_page(seller_id)


@post("/trade-in/import", name="seller_tradein_import_preview", request_max_body_size=UPLOAD_LIMIT)
async def import_preview(request: Request, seller_id: NamedDependency[int]) -> Template:
    """Reads the file and shows what it would change; nothing is written yet."""
    file = (await request.form()).get("file")
    if not isinstance(file, UploadFile) or not file.filename:
        return await _import_page(seller_id, error="Choose the CSV file of your grids to upload.", status_code=400)
    try:
        text = grid_csv.decode(await file.read())
        preview = await grid_csv.preview(seller_id, text)
    except Refused as refused:
        return await _import_page(seller_id, error=refused.message, status_code=400)
    return await _import_page(seller_id, preview=preview, text=text)


@post("/trade-in/import/apply", name="seller_tradein_import_apply", request_max_body_size=UPLOAD_LIMIT)
async def import_apply(request: Request, seller_id: NamedDependency[int]) -> Template | Redirect:
    """Applies the previewed file (sent back as it was read) in one transaction, or nothing of it."""
    text = _text(await request.form(), "csv", grid_csv.MAX_FILE_BYTES + 1)
    try:
        grid_csv.decode(text.encode("utf-8"))
        await grid_csv.apply(seller_id, text)
    except Refused as refused:
        preview = None
        with contextlib.suppress(Refused):
            preview = await grid_csv.preview(seller_id, text)
        return await _import_page(seller_id, preview=preview, text=text, error=refused.message, status_code=400)
    return Redirect("/seller/trade-in", status_code=303, query_params={"done": "imported"})


# Incoming devices


@get("/trade-in/devices", name="seller_tradein_devices")
async def devices_page(request: Request, seller_id: NamedDependency[int],
                       status: Annotated[str | None, QueryParameter(max_length=20)] = None) -> Template:
    chosen = status if status in {s.value for s in seller_views.TABS} else None
    return page_or_fragment(request, "pages/seller/tradein_devices.html", "pages/seller/_tradein_devices.html", {
        "seller": await seller_profile(seller_id), "section": "tradein", "chosen": chosen,
        "devices": await seller_views.devices(seller_id, chosen), "counts": await seller_views.tab_counts(seller_id),
        "tabs": [(s.value, seller_views.TAB_LABELS[s]) for s in seller_views.TABS]})


async def _device_page(seller_id: int, trade_in_id: int, settings: Settings, *, done: str | None = None,
                       errors: dict[str, str] | None = None, values: dict[str, Any] | None = None,
                       status_code: int = 200) -> Template:
    device = await seller_views.device(seller_id, trade_in_id)
    if device is None:
        raise NotFoundException()
    return Template(template_name="pages/seller/tradein_device.html", status_code=status_code, context={
        "seller": await seller_profile(seller_id), "section": "tradein", "device": device,
        "done": DONE.get(done or ""), "errors": errors or {}, "values": values or {},
        "states": list(CONDITION_LABELS.items()), "reasons": inspection.COUNTER_REASONS,
        "rules": settings.tradein})


@get("/trade-in/devices/{trade_in_id:int}", name="seller_tradein_device")
async def device_page(trade_in_id: Id, seller_id: NamedDependency[int], settings: NamedDependency[Settings],
                      done: Annotated[str | None, QueryParameter(max_length=20)] = None) -> Template:
    return await _device_page(seller_id, trade_in_id, settings, done=done)


async def _act(seller_id: int, trade_in_id: int, settings: Settings, step: Any, done: str,
               values: dict[str, Any] | None = None) -> Template | Redirect:
    if await seller_views.device(seller_id, trade_in_id) is None:
        raise NotFoundException()  # another refurbisher's device, before anything moves
    try:
        outcome = await step()
    except Refused as refused:
        return await _device_page(seller_id, trade_in_id, settings, errors=refused.problems, values=values,
                                  status_code=400)
    if outcome is False:
        done = "suspended"
    return Redirect(f"/seller/trade-in/devices/{trade_in_id}", status_code=303, query_params={"done": done})


@post("/trade-in/devices/{trade_in_id:int}/received", name="seller_tradein_received")
async def mark_received(trade_in_id: Id, seller_id: NamedDependency[int],
                        settings: NamedDependency[Settings]) -> Template | Redirect:
    return await _act(seller_id, trade_in_id, settings, lambda: inspection.mark_received(
        trade_in_id, seller_id=seller_id, settings=settings), "received")


@post("/trade-in/devices/{trade_in_id:int}/inspect", name="seller_tradein_inspect")
async def inspect(request: Request, trade_in_id: Id, seller_id: NamedDependency[int],
                  settings: NamedDependency[Settings]) -> Template | Redirect:
    form = await request.form()
    values = {"imei_or_serial": _text(form, "imei_or_serial", 40), "found_state": _text(form, "found_state", 30)}
    found = inspection.InspectionInput(values["imei_or_serial"], values["found_state"])
    return await _act(seller_id, trade_in_id, settings, lambda: inspection.inspect(
        trade_in_id, found, seller_id=seller_id, settings=settings), "inspected", values)


@post("/trade-in/devices/{trade_in_id:int}/photos", name="seller_tradein_photo_add",
      request_max_body_size=UPLOAD_LIMIT)
async def add_photo(request: Request, trade_in_id: Id, seller_id: NamedDependency[int],
                    settings: NamedDependency[Settings]) -> Template | Redirect:
    file = (await request.form()).get("photo")
    data = await file.read() if isinstance(file, UploadFile) else b""

    async def step() -> int:
        return await photos.add_photo(await trade_in_of(trade_in_id, seller_id=seller_id), data, settings)
    return await _act(seller_id, trade_in_id, settings, step, "photo")


@get("/trade-in/devices/{trade_in_id:int}/photos/{photo_id:int}", name="seller_tradein_photo")
async def photo(trade_in_id: Id, photo_id: Id, seller_id: NamedDependency[int],
                settings: NamedDependency[Settings]) -> Response:
    try:
        data, kind = await photos.read_photo(photo_id, trade_in_id=trade_in_id, seller_id=seller_id,
                                             settings=settings)
    except NotFound:
        raise NotFoundException() from None
    return Response(content=data, media_type=kind, headers={
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@post("/trade-in/devices/{trade_in_id:int}/pay", name="seller_tradein_pay")
async def pay(trade_in_id: Id, seller_id: NamedDependency[int],
              settings: NamedDependency[Settings]) -> Template | Redirect:
    return await _act(seller_id, trade_in_id, settings, lambda: inspection.pay(
        trade_in_id, seller_id=seller_id, settings=settings), "paid")


@post("/trade-in/devices/{trade_in_id:int}/counter-offer", name="seller_tradein_counter")
async def counter_offer(request: Request, trade_in_id: Id, seller_id: NamedDependency[int],
                        settings: NamedDependency[Settings]) -> Template | Redirect:
    form = await request.form()
    reasons = tuple(r for r in form.getall("reasons", []) if isinstance(r, str))[:10] if hasattr(
        form, "getall") else ()
    values: dict[str, Any] = {"amount": _text(form, "amount", 20), "reasons": reasons,
                              "comment": _text(form, "comment", 2_000)}
    offer = inspection.CounterOfferInput(values["amount"], reasons, values["comment"])
    return await _act(seller_id, trade_in_id, settings, lambda: inspection.counter_offer(
        trade_in_id, offer, seller_id=seller_id, settings=settings), "countered", values)


@post("/trade-in/devices/{trade_in_id:int}/send-back", name="seller_tradein_send_back")
async def send_back(trade_in_id: Id, seller_id: NamedDependency[int],
                    settings: NamedDependency[Settings]) -> Template | Redirect:
    return await _act(seller_id, trade_in_id, settings, lambda: inspection.send_back(
        trade_in_id, seller_id=seller_id, settings=settings), "returned")


@get("/trade-in/devices/{trade_in_id:int}/return-label.pdf", name="seller_tradein_return_label")
async def return_label(trade_in_id: Id, seller_id: NamedDependency[int],
                       settings: NamedDependency[Settings]) -> Response:
    """The prepaid return label, addressed to the person: only this refurbisher's, once it sent the device back."""
    content = await seller_views.return_label(seller_id, trade_in_id)
    if content is None:
        raise NotFoundException()
    body = await labels.return_label_pdf(content, settings.brand_name, content["country"])
    return Response(content=body, media_type=PDF_TYPE, headers={
        "Content-Disposition": f'attachment; filename="return-label-{content["reference"]}.pdf"',
        "Cache-Control": "private, no-store"})


@post("/trade-in/devices/{trade_in_id:int}/dispute", name="seller_tradein_dispute")
async def dispute(request: Request, trade_in_id: Id, seller_id: NamedDependency[int],
                  settings: NamedDependency[Settings]) -> Template | Redirect:
    values = {"reason": _text(await request.form(), "reason", operator.MAX_REASONS + 1)}
    return await _act(seller_id, trade_in_id, settings, lambda: operator.raise_dispute(
        trade_in_id, "refurbisher", values["reason"], seller_id=seller_id, settings=settings), "disputed", values)


HANDLERS = [program_page, set_program, new_grid, grid_page, save_grid, pause_grid, export_grids, import_form,
            import_preview, import_apply, devices_page, device_page, mark_received, inspect, add_photo, photo, pay,
            counter_offer, send_back, return_label, dispute]
