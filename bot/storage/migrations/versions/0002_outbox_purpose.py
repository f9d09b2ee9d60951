"""outbox: what a message is for (purpose) and what it is about (ticket_id, request_id)

Until now the only record of what an outbox row was for was its dedupe key (`ticket:12:card`,
`ticket:12:topic-state:2:close`, …), read back with regular expressions. This adds the columns its
readers need and fills them for the rows already there, from those keys:

| dedupe key (after `ticket:<id>:`)                         | purpose        |
|-----------------------------------------------------------|----------------|
| `topic`                                                   | ticket_topic   |
| `card`                                                    | ticket_card    |
| `m<message id>:text`, `m<message id>:<n>`                 | ticket_relay   |
| `email`                                                   | email          |
| `topic-state:<n>:note` / `:close` / `:reopen`             | topic_state    |
| `remind`                                                  | reminder       |
| `escalate:<promise>:<time>`                               | escalation     |
| `late:…`, `taken`, `resolved:…`, `reopened:…`, `rated`, `comment` | ticket_notice |
| anything else after `ticket:<id>:`                        | other          |
| no key (a reply the channel could not send at once)       | reply          |
| any other key                                             | other          |

`ticket_id` is the id in a `ticket:<id>:` key when that ticket exists (NULL otherwise, so the new
foreign key holds). `request_id` (privacy requests) is NULL for every existing row: none wrote one.
The key parsing lives here, frozen with the migration; the code no longer parses keys at all.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

BATCH = 500

_TICKET_KEY = re.compile(r"ticket:(\d+):(.+)", re.DOTALL)
_PURPOSES = (
    (re.compile(r"topic"), "ticket_topic"),
    (re.compile(r"card"), "ticket_card"),
    (re.compile(r"m\d+:(?:text|\d+)"), "ticket_relay"),
    (re.compile(r"email"), "email"),
    (re.compile(r"topic-state:\d+:(?:note|close|reopen)"), "topic_state"),
    (re.compile(r"remind"), "reminder"),
    (re.compile(r"escalate:.+"), "escalation"),
    (re.compile(r"late:.+|taken|resolved:.+|reopened:.+|rated|comment"), "ticket_notice"),
)


def purpose_of(dedupe_key: str | None) -> tuple[str, int | None]:
    """(purpose, ticket id named by the key) of a row written before migration 0002."""
    if dedupe_key is None:
        return "reply", None
    match = _TICKET_KEY.fullmatch(dedupe_key)
    if match is None:
        return "other", None
    rest = match.group(2)
    purpose = next((name for pattern, name in _PURPOSES if pattern.fullmatch(rest)), "other")
    return purpose, int(match.group(1))


def _fill(connection: sa.Connection) -> None:
    outbox = sa.table("outbox", sa.column("id", sa.Integer), sa.column("dedupe_key", sa.String),
                      sa.column("purpose", sa.String), sa.column("ticket_id", sa.Integer))
    tickets = sa.table("tickets", sa.column("id", sa.Integer))
    rows = sa.select(outbox.c.id, outbox.c.dedupe_key).where(outbox.c.id > sa.bindparam("after")) \
        .order_by(outbox.c.id).limit(BATCH)
    existing = sa.select(tickets.c.id).where(tickets.c.id.in_(sa.bindparam("ids", expanding=True)))
    fill = sa.update(outbox).where(outbox.c.id == sa.bindparam("row_id")).values(
        purpose=sa.bindparam("row_purpose"), ticket_id=sa.bindparam("row_ticket"))
    after = 0
    while batch := connection.execute(rows, {"after": after}).all():
        found = [purpose_of(row.dedupe_key) for row in batch]
        named = sorted({ticket for _, ticket in found if ticket is not None})
        known = set(connection.scalars(existing, {"ids": named})) if named else set()
        connection.execute(fill, [
            {"row_id": row.id, "row_purpose": purpose, "row_ticket": ticket if ticket in known else None}
            for row, (purpose, ticket) in zip(batch, found, strict=True)
        ])
        after = batch[-1].id


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("ticket_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("request_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f("fk_outbox_ticket_id_tickets"), "tickets", ["ticket_id"], ["id"])
        batch_op.create_foreign_key(
            op.f("fk_outbox_request_id_privacy_requests"), "privacy_requests", ["request_id"], ["id"]
        )
        batch_op.create_index(batch_op.f("ix_outbox_ticket_id"), ["ticket_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_request_id"), ["request_id"], unique=False)

    _fill(op.get_bind())

    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("purpose", existing_type=sa.String(length=20), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_request_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_ticket_id"))
        batch_op.drop_constraint(op.f("fk_outbox_request_id_privacy_requests"), type_="foreignkey")
        batch_op.drop_constraint(op.f("fk_outbox_ticket_id_tickets"), type_="foreignkey")
        batch_op.drop_column("request_id")
        batch_op.drop_column("ticket_id")
        batch_op.drop_column("purpose")
