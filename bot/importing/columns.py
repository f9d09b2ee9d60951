"""Checking a file's columns against what an import accepts, before any row is read."""

from __future__ import annotations

from collections.abc import Sequence

from bot.importing.report import ImportFileError


def check_columns(
    columns: Sequence[str],
    *,
    name: str,
    kind: str,
    accepted: Sequence[str],
    required: Sequence[str] = (),
    one_of: Sequence[Sequence[str]] = (),
    ignore_extra: bool = False,
) -> None:
    """Unknown columns are an error (a misspelt header would otherwise be dropped silently) unless
    `ignore_extra`; missing required columns are always an error. One line each, listing what is accepted."""
    present = set(columns)
    accepted_list = ", ".join(accepted)
    if not present & set(accepted):
        raise ImportFileError(
            f"{name}: does not look like a {kind} file: none of its columns are known "
            f"(accepted columns: {accepted_list})"
        )
    unknown = [column for column in columns if column not in accepted]
    if unknown and not ignore_extra:
        raise ImportFileError(
            f"{name}: unknown column{'s' if len(unknown) > 1 else ''} {', '.join(unknown)} "
            f"(accepted columns: {accepted_list}; use --ignore-extra-columns to skip unknown columns)"
        )
    missing = [column for column in required if column not in present]
    for group in one_of:
        if not present & set(group):
            missing.append(" or ".join(group))
    if missing:
        raise ImportFileError(
            f"{name}: missing required column{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
            f"(accepted columns: {accepted_list})"
        )
