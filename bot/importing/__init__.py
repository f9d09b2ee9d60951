"""Data in: customer and order files (CSV or JSON) read, validated row by row, and reported on.

`readers` turns a file into rows with their line numbers, `parsing` reads one field, `customers` and
`orders` turn a row into a typed record, `report` collects what went wrong and formats it. Writing the
records is the job of `bot.services.imports`.
"""
