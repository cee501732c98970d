"""Where a book of accounts lives besides CSV and Excel: Parquet files and databases.

A database book is a table or a query behind any SQLAlchemy URL::

    book: {url: "postgresql://analyst:${PGPASSWORD}@warehouse/crm", table: accounts}
    book: {url: "sqlite:///crm.db", query: "SELECT id AS account_id, arr FROM accounts WHERE active"}

``${VAR}`` in a URL is read from the environment when the book is loaded, so no
password sits in a scenario. SQLAlchemy and the database driver are imported only when
a database book is read. Both readers hand back an Arrow table of the source's columns
as the source types them; :func:`capacity.inputs.book.load.load_book` maps, checks and validates them
as it does a CSV's.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from capacity.exceptions import BookError

__all__ = ["DatabaseBook", "PARQUET_SUFFIXES", "book_from_arguments", "expand_environment", "is_database_book",
           "looks_like_url", "read_database", "read_parquet"]

PARQUET_SUFFIXES = {".parquet", ".pq"}
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


class DatabaseBook(BaseModel):
    """A book read from a database: ``url`` and either ``table`` or ``query``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: Annotated[str, Field(min_length=1, description="A SQLAlchemy URL; ${VAR} is read from the environment.")]
    table: Annotated[str, Field(min_length=1)] | None = None
    query: Annotated[str, Field(min_length=1)] | None = None

    @model_validator(mode="after")
    def _table_or_query(self) -> "DatabaseBook":
        if (self.table is None) == (self.query is None):
            raise ValueError("give table or query, not both" if self.table is not None else
                             "a database book needs table (a table name) or query (a SELECT)")
        if not _URL_SCHEME.match(self.url):
            raise ValueError(f"url: must be a database URL such as postgresql://user@host/db or sqlite:///file.db "
                             f"(got {_hide_password(self.url)!r})")
        return self

    @classmethod
    def of(cls, value: Any) -> "DatabaseBook":
        """A database book from itself or a dict (``url`` and ``table`` or ``query``)."""
        if isinstance(value, cls):
            return value
        try:
            return cls.model_validate(value)
        except ValueError as exc:
            errors = getattr(exc, "errors", lambda **_: [])(include_url=False)
            first = errors[0] if errors else {"loc": (), "msg": str(exc)}
            where = ".".join(["book", *map(str, first["loc"])])
            raise BookError(first["msg"].removeprefix("Value error, "), where=where) from None

    @property
    def label(self) -> str:
        """How messages name this book: the URL without its password, and the table or "query"."""
        shown = _hide_password(self.url)
        return f"{shown} table {self.table}" if self.table is not None else f"{shown} query"


def is_database_book(value: Any) -> bool:
    """True for a :class:`DatabaseBook` or a dict naming one."""
    return isinstance(value, DatabaseBook) or (isinstance(value, dict) and "url" in value)


def looks_like_url(value: str) -> bool:
    """True for ``scheme://...`` (a database URL), as opposed to a file path."""
    return bool(_URL_SCHEME.match(str(value)))


def book_from_arguments(book, table: str | None = None, query: str | None = None):
    """The book named on a command line: a file path, or a URL with ``--book-table`` or ``--book-query``.

    Raises
    ------
    BookError
        For a URL without a table or query, or a table or query without a URL.
    """
    if book is None:
        if table is not None or query is not None:
            raise BookError("--book-table and --book-query need --book URL (a database URL)", where="--book")
        return None
    if not looks_like_url(str(book)):
        if table is not None or query is not None:
            raise BookError(f"--book-table and --book-query go with a database URL, not a file ({book})",
                            where="--book")
        return Path(book)
    if table is None and query is None:
        raise BookError("a database book needs --book-table TABLE or --book-query SQL",
                        file=_hide_password(str(book)), where="--book")
    return DatabaseBook.of({"url": str(book), "table": table, "query": query})


def expand_environment(url: str, environ: dict[str, str] | None = None, label: str | None = None) -> str:
    """``url`` with each ``${VAR}`` replaced by the environment variable ``VAR``.

    Raises
    ------
    BookError
        For a variable that is not set, or a ``${...}`` that is not a variable name.
    """
    environ = os.environ if environ is None else environ

    def value(match: re.Match) -> str:
        name = match.group(1)
        if not _NAME.fullmatch(name):
            raise BookError(f"${{{name}}} in the url is not an environment variable name", file=label,
                            where="book.url")
        if name not in environ:
            raise BookError(f"the url uses ${{{name}}} but the environment variable {name} is not set",
                            file=label, where="book.url")
        return environ[name]

    return _VARIABLE.sub(value, url)


def _hide_password(url: str) -> str:
    """The URL as it may be shown: ``user:***@host`` (a ``${VAR}`` password is shown as written)."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.\-]*://[^/:@]*:)([^@/]*)@", lambda m: m.group(1) + (
        m.group(2) if _VARIABLE.fullmatch(m.group(2)) else "***") + "@", url)


def read_parquet(path: Path, select: Callable[[list[str]], list[str]]) -> pa.Table:
    """The columns of a Parquet file that ``select`` picks from its column names, and only those.

    Raises
    ------
    BookError
        For a file that is not Parquet.
    """
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        return pq.read_table(path, columns=select(list(schema.names)))
    except (pa.ArrowInvalid, pa.ArrowIOError, OSError) as exc:
        raise BookError(f"cannot read as Parquet ({_first_line(exc)})", file=path) from None


def read_database(book: DatabaseBook, select: Callable[[list[str]], list[str]]) -> pa.Table:
    """Run ``book``'s table read or query; the columns ``select`` picks from the result's names.

    A table is read column by column as ``select`` asks (``SELECT "a", "b" FROM t``); a
    query is run as written and its other columns dropped.

    Raises
    ------
    BookError
        One line, without the password: no driver, no connection, no such table, a failing query.
    """
    url = expand_environment(book.url, label=book.label)
    password = _password(url)
    try:
        import sqlalchemy as sa
    except ImportError:
        raise BookError("reading a book from a database needs SQLAlchemy: pip install 'sqlalchemy>=2.0'",
                        file=book.label) from None
    try:
        engine = sa.create_engine(url)
    except ImportError as exc:
        raise BookError(f"no database driver for this URL ({exc.name or _first_line(exc)} is not installed); "
                        "for PostgreSQL: pip install 'psycopg[binary]'", file=book.label) from None
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ValueError) as exc:
        raise BookError(f"not a database URL SQLAlchemy can open ({_scrub(_first_line(exc), password)})",
                        file=book.label) from None
    _refuse_missing_sqlite_file(sa, url, book)
    try:
        connection = engine.connect()
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        cause = getattr(exc, "orig", None) or exc
        raise BookError(f"cannot connect to the database: {_scrub(_first_line(cause), password)}",
                        file=book.label) from None
    try:
        with connection:
            if book.table is not None:
                result = connection.execute(_table_select(sa, connection, book, select))
                names = list(result.keys())
                keep = set(names)
            else:
                result = connection.execute(sa.text(book.query))
                if not result.returns_rows:
                    raise BookError("the query returns no rows (is it a SELECT?)", file=book.label, where="book.query")
                names = list(result.keys())
                keep = set(select(names))
            rows = result.fetchall()
    except sa.exc.SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        what = "the query failed" if book.query is not None else "database error"
        raise BookError(f"{what}: {_scrub(_first_line(cause), password)}", file=book.label,
                        where="book.query" if book.query is not None else None) from None
    finally:
        engine.dispose()
    return pa.table({names[i]: _arrow_column([row[i] for row in rows]) for i in range(len(names)) if names[i] in keep})


def _refuse_missing_sqlite_file(sa, url: str, book: DatabaseBook) -> None:
    """SQLite creates a database file that is not there: a typo in the path would read as an empty book."""
    parsed = sa.engine.make_url(url)
    database = parsed.database
    if parsed.get_backend_name() == "sqlite" and database and database != ":memory:" and not database.startswith("file:"):
        if not Path(database).is_file():
            raise BookError(f"database file not found: {database}", file=book.label)


def _table_select(sa, connection, book: DatabaseBook, select):
    schema, _, name = book.table.rpartition(".")
    inspector = sa.inspect(connection)
    tables = inspector.get_table_names(schema=schema or None) + inspector.get_view_names(schema=schema or None)
    if name not in tables:
        import difflib

        hint = difflib.get_close_matches(name, tables, n=1, cutoff=0.6)
        known = f"did you mean {hint[0]!r}?" if hint else ("tables: " + ", ".join(sorted(tables)[:10]) if tables
                                                           else "the database has no tables")
        raise BookError(f"no table {book.table!r} in the database; {known}", file=book.label, where="book.table")
    header = [column["name"] for column in inspector.get_columns(name, schema=schema or None)]
    wanted = select(header)
    table = sa.table(name, *[sa.column(c) for c in wanted], schema=schema or None)
    return sa.select(*[table.c[c] for c in wanted])


def _arrow_column(values: list) -> pa.Array:
    try:
        return pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed types in one column (SQLite allows it): as text
        return pa.array([None if v is None else str(v) for v in values], type=pa.string())


def _password(url: str) -> str | None:
    match = re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://[^/:@]*:([^@/]*)@", url)
    return match.group(1) if match and match.group(1) else None


def _scrub(text: str, password: str | None) -> str:
    """A driver's message, with the password taken out wherever the driver echoed it."""
    if password:
        from urllib.parse import unquote

        for secret in {password, unquote(password)}:
            if secret:
                text = text.replace(secret, "***")
    return text


def _first_line(exc: BaseException) -> str:
    lines = [line.strip() for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__
