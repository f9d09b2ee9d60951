"""What an import did and what was wrong with the file, formatted for the operator.

A bad row is reported as one line per problem, naming the place in the file the way a spreadsheet user
finds it again (CSV: the physical line, the header being line 1; JSON: the array item, counted from 1):

    customers.csv line 5: phone: not a Vietnamese phone number: '12345'
    orders.json item 3: status: unknown order status 'sent' (allowed: pending, …)
"""

from __future__ import annotations

from dataclasses import dataclass, field


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, not CSV/JSON, wrong columns): one line."""


@dataclass(frozen=True, order=True)
class Location:
    """Where a row starts: `line` (CSV, 1-based physical line, header = 1) or `item` (JSON, 1-based)."""

    kind: str
    number: int

    def __str__(self) -> str:
        return f"{self.kind} {self.number}"


@dataclass(frozen=True)
class RowError:
    location: Location
    field: str | None
    reason: str

    def format(self, source: str) -> str:
        where = f"{source} {self.location}" if source else str(self.location)
        return f"{where}: {self.field}: {self.reason}" if self.field else f"{where}: {self.reason}"


@dataclass
class ImportReport:
    kind: str  # "customers" | "orders"
    source: str = ""  # the file name, as shown in error lines
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    status_changes: int = 0  # orders: existing orders whose status changed
    notifications: int = 0  # orders: status notifications queued for their customers' chats
    errors: list[RowError] = field(default_factory=list)
    invalid_locations: set[Location] = field(default_factory=set)
    written: bool = False  # whether the changes were committed
    dry_run: bool = False
    skip_invalid: bool = False

    @property
    def invalid(self) -> int:
        return len(self.invalid_locations)

    @property
    def valid(self) -> int:
        return self.rows - self.invalid

    @property
    def ok(self) -> bool:
        """Exit status 0: no invalid rows, or --skip-invalid and at least one valid row."""
        return not self.invalid or (self.skip_invalid and self.valid > 0)

    def add_errors(self, errors: list[RowError]) -> None:
        self.errors.extend(errors)
        self.invalid_locations.update(error.location for error in errors)

    def summary(self) -> str:
        return (
            f"{self.kind}: {self.rows} rows, {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged, {self.invalid} invalid"
        )

    def status_line(self) -> str | None:
        """Orders: how many statuses changed and how many customers' chats are told, when any."""
        if self.kind != "orders" or not self.status_changes:
            return None
        told = "to be sent" if self.written else "not sent: nothing written"
        return f"status changes: {self.status_changes}, notifications: {self.notifications} ({told})"

    def error_lines(self) -> list[str]:
        return [error.format(self.source) for error in sorted(self.errors, key=lambda e: e.location)]

    def outcome_line(self) -> str | None:
        """The last line: what happened to the database, when that is not obvious from the summary."""
        if self.dry_run:
            return "dry run: nothing written"
        if not self.written and self.invalid:
            return (
                f"nothing imported: {self.invalid} invalid row{'s' if self.invalid != 1 else ''}; "
                f"fix {'them' if self.invalid != 1 else 'it'}, or import the {self.valid} valid "
                f"row{'s' if self.valid != 1 else ''} with --skip-invalid"
            )
        if self.invalid:
            return f"skipped {self.invalid} invalid row{'s' if self.invalid != 1 else ''}"
        return None
