"""Importing customers and orders: validate every row, upsert by natural key, in one transaction.

    file ─ read_table ─▶ rows ─ validate_* ─▶ records ─┬─▶ upsert_customers / upsert_orders (batches)
                                               bad rows ┴─▶ ImportReport

- Upsert by natural key (customers: phone, else email; orders: code). A record equal to what is stored
  changes nothing, so importing the same file twice reports "0 created, 0 updated, N unchanged".
- All or nothing: the whole file is one unit of work. With invalid rows nothing is committed unless
  `skip_invalid`; `dry_run` never commits. Rows are processed in batches with one lookup query per key
  kind per batch, and the session is emptied after each batch so memory stays flat on large files.
- Every created or updated customer or order gets an audit row (personal data changed by an import).
- The demo data generator goes through `upsert_customers`/`upsert_orders` too.
- A changed status of an existing order is a status change (history row, counted in the report);
  with a notifier (`rosee-support import orders`), its customer is told as by an order event
  (bot.services.order_updates: their language, quiet hours, notifications off). New orders, and the
  demo data, notify no one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from itertools import islice
from pathlib import Path
from typing import Any, TypeVar

from bot.clock import Clock
from bot.importing import customers as customer_rows
from bot.importing import orders as order_rows
from bot.importing.columns import check_columns
from bot.importing.customers import CustomerRecord, DuplicateCustomers
from bot.importing.orders import DuplicateOrders, OrderRecord
from bot.importing.readers import SourceRow, read_table
from bot.importing.report import ImportFileError, ImportReport, Location, RowError
from bot.services.consent_matching import CustomerContacts, match_customers
from bot.services.order_updates import ChangedOrder, OrderNotifier
from bot.storage.models import Customer
from bot.storage.repositories.orders import UPDATABLE_COLUMNS
from bot.storage.uow import UnitOfWork, UnitOfWorkFactory

MARKETING = "marketing"
#: Rows per batch: a few statements each (lookups, staged writes), so a large file costs a few hundred
#: round trips; 2,000 rows keep a batch's parameters well inside SQLite's limit (32,766).
BATCH_SIZE = 2000

Record = TypeVar("Record", CustomerRecord, OrderRecord)
AnyRecord = CustomerRecord | OrderRecord


@dataclass(frozen=True)
class ImportOptions:
    skip_invalid: bool = False
    dry_run: bool = False
    ignore_extra_columns: bool = False
    batch_size: int = BATCH_SIZE


@dataclass
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] | None = None
    status_changes: int = 0
    notifications: int = 0

    def add_to(self, report: ImportReport) -> None:
        report.created += self.created
        report.updated += self.updated
        report.unchanged += self.unchanged
        report.status_changes += self.status_changes
        report.notifications += self.notifications
        report.add_errors(self.errors or [])


# --- the file imports ----------------------------------------------------------------------------------


async def import_customers(
    uow_factory: UnitOfWorkFactory, path: Path, *, clock: Clock, options: ImportOptions = ImportOptions()
) -> ImportReport:
    """Raises ImportFileError when the file as a whole cannot be imported."""
    return await _import_file(
        uow_factory,
        path,
        clock=clock,
        options=options,
        kind="customers",
        columns=customer_rows.COLUMNS,
        required=customer_rows.REQUIRED,
        one_of=customer_rows.ONE_OF,
        validate=customer_rows.validate_customer,
        duplicates=DuplicateCustomers().check,
        upsert=upsert_customers,
    )


async def import_orders(
    uow_factory: UnitOfWorkFactory, path: Path, *, clock: Clock, options: ImportOptions = ImportOptions(),
    notifier: OrderNotifier | None = None,
) -> ImportReport:
    """Raises ImportFileError when the file as a whole cannot be imported. With a `notifier`, the
    customers of orders whose status changed are told."""
    return await _import_file(
        uow_factory,
        path,
        clock=clock,
        options=options,
        kind="orders",
        columns=order_rows.COLUMNS,
        required=order_rows.REQUIRED,
        one_of=order_rows.ONE_OF,
        validate=order_rows.validate_order,
        duplicates=DuplicateOrders().check,
        upsert=partial(upsert_orders, notifier=notifier),
    )


async def _import_file(
    uow_factory: UnitOfWorkFactory,
    path: Path,
    *,
    clock: Clock,
    options: ImportOptions,
    kind: str,
    columns: Sequence[str],
    required: Sequence[str],
    one_of: Sequence[Sequence[str]],
    validate: Callable[[SourceRow], AnyRecord | list[RowError]],
    duplicates: Callable[[SourceRow], list[RowError]],
    upsert: Callable[..., Awaitable[BatchOutcome]],
) -> ImportReport:
    table = read_table(path, collection=kind)
    # JSON items may leave out required keys (a row error); a CSV header must name the required columns.
    check_columns(
        table.columns,
        name=path.name,
        kind=kind,
        accepted=columns,
        required=required if table.format == "csv" else (),
        one_of=one_of if table.format == "csv" else (),
        ignore_extra=options.ignore_extra_columns,
    )
    report = ImportReport(kind, source=path.name, dry_run=options.dry_run, skip_invalid=options.skip_invalid)
    actor = f"import:{path.name}"[:120]
    async with uow_factory() as uow:
        for batch in _batches(table.rows, options.batch_size):
            records: list[AnyRecord] = []
            for row in batch:
                report.rows += 1
                result = validate(row)
                clashes = duplicates(row)
                if isinstance(result, list):
                    report.add_errors([*result, *clashes])
                elif clashes:
                    report.add_errors(clashes)
                else:
                    records.append(result)
            outcome = await upsert(uow, records, clock=clock, actor=actor)
            outcome.add_to(report)
            await uow.forget_loaded()  # keep memory flat: later batches look rows up again
        if report.rows == 0:
            raise ImportFileError(f"{path.name}: file has a header but no rows")
        if not options.dry_run and (not report.invalid or options.skip_invalid) and report.valid:
            await uow.commit()
            report.written = True
    return report


async def import_records(
    uow_factory: UnitOfWorkFactory,
    customers: Iterable[CustomerRecord],
    orders: Iterable[OrderRecord],
    *,
    clock: Clock,
    actor: str,
    batch_size: int = BATCH_SIZE,
) -> tuple[ImportReport, ImportReport]:
    """Upsert already-valid records (the demo data set) in one transaction; any error aborts it all."""
    reports = ImportReport("customers", source=actor), ImportReport("orders", source=actor)
    async with uow_factory() as uow:
        await _upsert_all(uow, reports[0], customers, upsert_customers, clock, actor, batch_size)
        await _upsert_all(uow, reports[1], orders, upsert_orders, clock, actor, batch_size)
        if reports[0].errors or reports[1].errors:
            problems = "; ".join(line for report in reports for line in report.error_lines()[:3])
            raise ValueError(f"records could not be imported: {problems}")
        await uow.commit()
    for report in reports:
        report.written = True
    return reports


async def _upsert_all(
    uow: UnitOfWork,
    report: ImportReport,
    records: Iterable[Record],
    upsert: Callable[..., Awaitable[BatchOutcome]],
    clock: Clock,
    actor: str,
    batch_size: int,
) -> None:
    for batch in _batches(iter(records), batch_size):
        report.rows += len(batch)
        outcome = await upsert(uow, batch, clock=clock, actor=actor)
        outcome.add_to(report)
        await uow.forget_loaded()


def _batches(rows: Iterator[Any], size: int) -> Iterator[list[Any]]:
    while batch := list(islice(rows, size)):
        yield batch


# --- upserts ---------------------------------------------------------------------------------------------


async def upsert_customers(
    uow: UnitOfWork, records: Sequence[CustomerRecord], *, clock: Clock, actor: str
) -> BatchOutcome:
    """Create or update each customer; record a marketing consent event only when the choice changes."""
    outcome = BatchOutcome(errors=[])
    assert outcome.errors is not None
    by_phone = await uow.customers.by_phones([r.phone for r in records if r.phone])
    by_email = await uow.customers.by_emails([r.email for r in records if r.email])
    now = clock.now()
    new: list[CustomerRecord] = []
    updated: list[tuple[CustomerRecord, Customer, list[str]]] = []  # record, row, changed fields
    for record in records:
        location = record.location or Location("record", 0)
        phone_match = by_phone.get(record.phone) if record.phone else None
        email_match = by_email.get(record.email) if record.email else None
        if phone_match and email_match and phone_match is not email_match:
            outcome.errors.append(
                RowError(
                    location,
                    "email",
                    f"{record.email} belongs to another customer "
                    f"(phone {email_match.phone or 'none'}), not to {record.phone}",
                )
            )
            continue
        customer = phone_match or email_match
        if customer is None:
            new.append(record)
            continue
        if record.phone and customer.phone and customer.phone != record.phone:
            # Found by email, but stored with another phone: the phone proves who a chat user is, so it is
            # not changed as a side effect of an import.
            outcome.errors.append(
                RowError(
                    location,
                    "phone",
                    f"the customer with email {record.email} has "
                    f"phone {customer.phone} on file, not {record.phone}",
                )
            )
            continue
        changed = _apply(
            customer,
            {
                "full_name": record.full_name,
                "phone": record.phone,
                "email": record.email,
                "address": record.address,
            },
        )
        if changed:
            customer.updated_at = now
        updated.append((record, customer, changed))
    await uow.flush()
    inserted = await uow.customers.insert_many(
        [
            {
                "full_name": r.full_name,
                "phone": r.phone,
                "email": r.email,
                "address": r.address,
                "created_at": now,
                "updated_at": now,
            }
            for r in new
        ]
    )
    new_ids = {phone or email: customer_id for customer_id, phone, email in inserted}

    current = await uow.consents.current_many(
        [c.id for r, c, _ in updated if r.marketing_consent is not None], MARKETING
    )
    consents: list[dict[str, Any]] = []
    audit: list[dict[str, Any]] = []

    def consent(customer_id: int, granted: bool) -> None:
        consents.append(
            {
                "customer_id": customer_id,
                "purpose": MARKETING,
                "granted": granted,
                "source": "import",
                "recorded_at": now,
            }
        )

    for record in new:
        customer_id = new_ids[record.key]
        if record.marketing_consent is not None:
            consent(customer_id, record.marketing_consent)
        audit.append(_audit_row(actor, "customer.import_create", customer_id, "customer data imported", now))
    outcome.created += len(new)
    for record, customer, changed in updated:
        if record.marketing_consent is not None and current.get(customer.id) != record.marketing_consent:
            consent(customer.id, record.marketing_consent)
            changed = [*changed, "marketing_consent"]
        if not changed:
            outcome.unchanged += 1
            continue
        outcome.updated += 1
        audit.append(
            _audit_row(
                actor, "customer.import_update", customer.id, "customer data imported", now, fields=changed
            )
        )
    await uow.consents.record_many(consents)
    await _record_audit(uow, audit)
    # Marketing opt-outs said in the chat against one of these emails or phones are theirs now.
    contacts = [CustomerContacts(customer_id, phone, email) for customer_id, phone, email in inserted]
    contacts += [CustomerContacts(c.id, c.phone, c.email) for _, c, _ in updated]
    await match_customers(uow, clock, contacts, actor=actor)
    return outcome


async def upsert_orders(
    uow: UnitOfWork, records: Sequence[OrderRecord], *, clock: Clock, actor: str,
    notifier: OrderNotifier | None = None,
) -> BatchOutcome:
    """Create or update each order of an existing customer; keep the status history consistent;
    tell the customers of orders whose status changed, when given a `notifier`.

    Set-based, a batch at a time: one query for the stored orders (their columns, not their
    histories) and one per customer key; the differences are worked out here; then new orders in
    multi-row INSERTs, the history rows in one INSERT ... SELECT that skips what is recorded already
    (the unique (order, status, time)), the changed orders in one UPDATE ... FROM, and the audit rows
    in bulk. Staged rows go in by COPY on PostgreSQL (bot.storage.bulk). The outcome is the same as
    comparing row by row: an order is updated when a field or its history changed, else unchanged.
    """
    outcome = BatchOutcome(errors=[])
    assert outcome.errors is not None
    stored = await uow.orders.current_by_codes([r.code for r in records])
    by_phone = await uow.customers.ids_by_phones([r.customer_phone for r in records if r.customer_phone])
    by_email = await uow.customers.ids_by_emails([r.customer_email for r in records if r.customer_email])
    now = clock.now()
    new: list[tuple[OrderRecord, int]] = []  # record, customer id
    existing: list[tuple[OrderRecord, int, int, list[str]]] = []  # record, customer id, order id, changed
    status_changed: list[ChangedOrder] = []
    events: list[dict[str, Any]] = []
    for record in records:
        location = record.location or Location("record", 0)
        phone_match = by_phone.get(record.customer_phone) if record.customer_phone else None
        email_match = by_email.get(record.customer_email) if record.customer_email else None
        if phone_match and email_match and phone_match != email_match:
            outcome.errors.append(
                RowError(
                    location,
                    "customer_email",
                    f"{record.customer_email} belongs to another customer than {record.customer_phone}",
                )
            )
            continue
        customer_id = phone_match or email_match
        if customer_id is None:
            field, key = (
                ("customer_phone", record.customer_phone)
                if record.customer_phone
                else ("customer_email", record.customer_email)
            )
            outcome.errors.append(
                RowError(
                    location,
                    field,
                    f"no customer with {field.removeprefix('customer_')} {key}; import the customers first",
                )
            )
            continue
        order = stored.get(record.code)
        if order is None:
            new.append((record, customer_id))
            continue
        changed = _changed_fields(order, _order_fields(record, customer_id))
        if "status" in changed and record.status:
            status_changed.append(ChangedOrder(record.code, record.status.value, customer_id))
        if record.history:
            added = list(record.history)  # what is recorded already is skipped by the insert
        elif "status" in changed:
            added = [order_rows.StatusEvent(record.status, now, "status changed by import")]
        else:
            added = []
        events.extend(_event_row(order.id, event) for event in added)
        existing.append((record, customer_id, order.id, changed))
    ids = await uow.orders.insert_many(
        [
            {
                **_order_fields(record, customer_id),
                "items": [item.as_json() for item in record.items or ()],
                "code": record.code,
                "updated_at": now,
            }
            for record, customer_id in new
        ]
    )
    created_audit: list[dict[str, Any]] = []
    for record, customer_id in new:
        history = record.history or (order_rows.StatusEvent(record.status, record.placed_at),)
        events.extend(_event_row(ids[record.code], event) for event in history)
        created_audit.append(
            _audit_row(
                actor, "order.import_create", customer_id, "order data imported", now, code=record.code
            )
        )
    outcome.created += len(new)
    with_new_history = await uow.orders.add_status_events_new(events)
    audit: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    for record, customer_id, order_id, changed in existing:
        if order_id in with_new_history:
            changed.append("history")
        if not changed:
            outcome.unchanged += 1
            continue
        outcome.updated += 1
        changes.append({**_updatable_fields(record, customer_id), "id": order_id, "updated_at": now})
        audit.append(
            _audit_row(
                actor,
                "order.import_update",
                customer_id,
                "order data imported",
                now,
                code=record.code,
                fields=changed,
            )
        )
    await uow.orders.update_many(changes)
    await _record_audit(uow, [*audit, *created_audit])
    outcome.status_changes = len(status_changed)
    if notifier is not None:  # one lookup of the batch's chats, the notices by the bulk path
        outcome.notifications += await notifier.statuses_changed(uow, status_changed)
    return outcome


def _order_fields(record: OrderRecord, customer_id: int) -> dict[str, Any]:
    """The stored columns an order record sets; None means 'keep what is stored' (or the default)."""
    return {
        "customer_id": customer_id,
        "status": record.status.value,
        "total_vnd": record.total_vnd,
        "placed_at": record.placed_at,
        "shipping_address": record.shipping_address,
        "carrier": record.carrier,
        "tracking_code": record.tracking_code,
        "expected_delivery": record.expected_delivery,
        "items": None if record.items is None else [item.as_json() for item in record.items],
        "payment_status": None if record.payment_status is None else record.payment_status.value,
    }


def _updatable_fields(record: OrderRecord, customer_id: int) -> dict[str, Any]:
    """What an update writes: the record's values, None where the record keeps what is stored."""
    fields = _order_fields(record, customer_id)
    return {name: fields[name] for name in UPDATABLE_COLUMNS}


def _changed_fields(stored: Any, values: dict[str, Any]) -> list[str]:
    """The names of the given non-None values that differ from the stored row's (in column order)."""
    return [name for name, value in values.items() if value is not None and getattr(stored, name) != value]


def _event_row(order_id: int, event: order_rows.StatusEvent) -> dict[str, Any]:
    return {"order_id": order_id, "status": event.status.value, "occurred_at": event.at, "note": event.note}


def _audit_row(
    actor: str, action: str, customer_id: int, purpose: str, at: datetime, **details: Any
) -> dict[str, Any]:
    return {
        "actor": actor,
        "action": action,
        "customer_id": customer_id,
        "purpose": f"{purpose} ({actor})"[:200],
        "details": details,
        "created_at": at,
    }


async def _record_audit(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    """One audit row per created or updated customer/order, written in bulk (an import touches thousands)."""
    await uow.audit.add_many(rows)


def _apply(row: Any, values: dict[str, Any]) -> list[str]:
    """Set the given non-None values that differ; return the names of the fields that changed."""
    changed = []
    for name, value in values.items():
        if value is not None and getattr(row, name) != value:
            setattr(row, name, value)
            changed.append(name)
    return changed
