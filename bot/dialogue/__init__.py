"""The conversation core: one inbound event in, outbound actions out, in one unit of work.

What is stored is reached through the services: the engine opens the unit of work, hands it to
them and commits it; flows name the user (`ChatUser`), get read models back (`TicketView`,
`OrderView`, `CustomerView`) and import nothing from `bot.storage` but the unit of work's type.
`tests/unit/test_layering.py` keeps it so.
"""
