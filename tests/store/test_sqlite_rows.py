"""store/sqlite_rows.py gives the rows SQLAlchemy gives, value for value (sealed columns
opened, JSON decoded, booleans as bools), for every read statement of store/serialize.py,
whole-table and by one id; statements it cannot run are left to SQLAlchemy."""
import pytest
from sqlalchemy import bindparam, select

from store import serialize
from store.crypto import is_sealed
from store.models import Order
from store.sqlite_rows import prepared

STATEMENTS = [serialize._users, serialize._payment_methods, serialize._user_orders, serialize._order_items,
              serialize._fulfillments, serialize._payments, serialize._orders, serialize._variants,
              serialize._products]


def _one_id(conn, make) -> str:
    """An id the one-id statement matches (its WHERE column's value in some row)."""
    stmt = make(serialize.ONE)
    column = stmt.whereclause.left
    return conn.execute(select(column).limit(1).offset(5)).scalar()


@pytest.mark.parametrize("make", STATEMENTS, ids=lambda m: m.__name__)
def test_fast_rows_equal_sqlalchemy_rows(shared_store, make):
    with shared_store.transaction() as conn:
        for match, params in ((serialize.ALL, {}), (serialize.ONE, {"ids": _one_id(conn, make)})):
            stmt = make(match)
            fast = prepared(("test", make, match), stmt, conn.dialect, params)
            assert fast is not None
            got, want = fast.rows(conn, params), conn.execute(stmt, params).all()
            assert len(got) == len(want) > 0
            assert [tuple(r) for r in got] == [tuple(r) for r in want]
            assert [type(v) for v in got[0]] == [type(v) for v in want[0]]
            assert all(getattr(g, k) == getattr(w, k) for g, w in zip(got, want) for k in w._fields)


def test_sealed_columns_are_opened(shared_store):
    with shared_store.transaction() as conn:
        stmt = serialize._orders(serialize.ALL)
        rows = prepared(("test", "orders"), stmt, conn.dialect, {}).rows(conn, {})
        raw = conn.connection.driver_connection.execute("SELECT address1 FROM orders LIMIT 1").fetchone()[0]
    assert is_sealed(raw)  # stored sealed, read in clear
    assert rows and not any(is_sealed(r.address1) for r in rows)


def test_statements_it_cannot_run_are_refused(shared_store):
    with shared_store.transaction() as conn:
        many = select(Order.id).where(Order.id.in_(bindparam("ids", expanding=True)))
        assert prepared(("test", "many"), many, conn.dialect, {"ids": ["#W1"]}) is None
        other = select(Order.id).where(Order.id == bindparam("other"))
        assert prepared(("test", "other"), other, conn.dialect, {"ids": "#W1"}) is None
        sealed = select(Order.id).where(Order.address1 == bindparam("ids"))  # the value would be sealed first
        assert prepared(("test", "sealed"), sealed, conn.dialect, {"ids": "12 Elm St"}) is None
