"""Query shapes compiled to SQL once per process and database, then run with new values.

Peewee builds a query's SQL from its expression tree on every execution. For the selects of a
board or release page (thirty columns and more) that costs more than the database takes to
answer them: about half of an uncached release page went to building SQL. A page runs the
same few shapes with different values, so each shape is built once, with Slots where its
values go, and its SQL text is reused.
"""
import copy
import weakref

from peewee import ROW, CharField, ColumnBase, Field, IntegerField, TextField

from ..db import database

__all__ = ["AsGiven", "Compiled", "CompiledIn", "Slot"]


class _Mark:
    """Where a Slot's value goes among a compiled query's parameters."""

    __slots__ = ("slot",)

    def __init__(self, slot):
        self.slot = slot


class Slot(ColumnBase):
    """A named placeholder for a value, converted for the database (`converter`) when run."""

    def __init__(self, name, converter=None):
        super().__init__()
        self.name, self.converter = name, converter

    def __sql__(self, ctx):
        # converter=False: the value is converted when the query runs, not now.
        return ctx.value(_Mark(self), converter=False)


class AsGiven(ColumnBase):
    """A computed column read as the driver hands it over (a flag, a count): no conversion, so a
    tuples() shape holding it still skips peewee's row-by-row reader."""

    def __init__(self, node):
        super().__init__()
        self.node = node

    def __sql__(self, ctx):
        return ctx.sql(self.node)


class Compiled:
    """One query shape: build() returns a peewee query using Slots; run it with their values."""

    def __init__(self, build):
        self._build = build
        # Tests and tools switch databases within one process: one compilation each.
        self._by_database = weakref.WeakKeyDictionary()
        self._wrappers = weakref.WeakKeyDictionary()  # an initialized cursor wrapper, as a template

    def _compiled(self):
        target = database.obj
        found = self._by_database.get(target)
        if found is None:
            query = self._build()
            # The database's own context: a query bound to no model (a Select over a subquery)
            # would otherwise be built with the default one, SQLite's placeholders.
            sql, params = target.get_sql_context().parse(query)
            found = self._by_database[target] = (query, sql, params, _converters(query))
        return found

    def execute(self, **values):
        """Run the query; return the driver's cursor."""
        sql, params = self._compiled()[1:3]
        args = [_value(param, values) if isinstance(param, _Mark) else param for param in params]
        return database.execute_sql(sql, args)

    def cursor(self, **values):
        """Run the query; return peewee's cursor wrapper (rows as the built query returns them)."""
        cursor = self.execute(**values)
        template = self._wrappers.get(database.obj)
        if template is None:
            wrapper = self._compiled()[0]._get_cursor_wrapper(cursor)
            # The wrapper reads the columns' models and converters from the cursor's description,
            # which one SQL text always gives alike: a tenth of a release page went to it.
            wrapper.initialize()
            wrapper.initialized = True
            template = self._wrappers[database.obj] = copy.copy(wrapper)
            template.cursor, template.row_cache = None, []
            return wrapper
        wrapper = copy.copy(template)
        wrapper.cursor, wrapper.row_cache = cursor, []
        return wrapper

    def all(self, **values):
        """Return every row as a list."""
        converters = self._compiled()[3]
        if converters is None:
            return list(self.cursor(**values))
        # Tuples straight from the driver, converting only the columns that need it.
        rows = self.execute(**values).fetchall()
        if not any(converters):
            return list(rows)  # PyMySQL hands over a tuple of rows
        return [tuple(v if c is None or v is None else c(v) for c, v in zip(converters, row, strict=True))
                for row in rows]

    def first(self, **values):
        """Return the first row, or None (the shape should carry its own LIMIT 1)."""
        for row in self.cursor(**values):
            return row
        return None

    def scalar(self, **values):
        """Return the first column of the first row, or None."""
        rows = self.execute(**values).fetchall()  # read to the end: SQLite then ends the statement
        return rows[0][0] if rows else None


class CompiledIn:
    """A shape with an IN list of varying length: build(slots) returns the query; one Compiled
    per length (callers bound the lengths: the rows of one page)."""

    def __init__(self, build):
        self._build, self._by_length = build, {}

    def all(self, values, **others):
        """Run the shape for these IN values (and the other slots' values); return every row."""
        count = len(values)
        shape = self._by_length.get(count)
        if shape is None:
            shape = self._by_length[count] = Compiled(
                lambda: self._build([Slot(f"in{i}") for i in range(count)]))
        return shape.all(**{f"in{i}": value for i, value in enumerate(values)}, **others)


# Columns the drivers already hand over as peewee would: integers and text.
_PLAIN = (IntegerField, CharField, TextField)


def _converters(query):
    """Return per-column converters of a tuples() query of plain fields (None: the value as the
    driver gives it), or None when peewee's own row wrapper must convert (other rows, expressions)."""
    columns = getattr(query, "_returning", None) or ()
    if getattr(query, "_row_type", None) != ROW.TUPLE or not all(isinstance(c, (Field, AsGiven)) for c in columns):
        return None
    return [None if isinstance(column, (_PLAIN, AsGiven)) else column.python_value for column in columns]


def _value(mark, values):
    slot = mark.slot
    value = values[slot.name]
    return slot.converter(value) if slot.converter is not None else value
