"""Connection pools for PostgreSQL and MariaDB that skip the liveness round trip when it tells nothing.

peewee's pools send `SELECT 1` (PostgreSQL) or a ping (MariaDB) on every checkout: one round trip
of a page's six. A connection checked back in a moment ago, in a clean state, was alive then; only
one that sat idle longer is pinged. A connection that dies while in use is dropped at check-in
(its transaction state is unknown), as peewee's pool does, so it is never handed out twice.
"""
import time

from playhouse.db_url import register_database
from playhouse.pool import PooledMySQLDatabase, PooledPostgresqlDatabase

# Idle for longer than this, a connection is pinged before use: the server may have closed it
# (restart, idle timeout, pg_terminate_backend) while no request used it.
PING_IDLE_SECONDS = 1.0


class _PingWhenIdle:
    """Pool mixin: ping a connection on checkout only if it was idle for PING_IDLE_SECONDS."""

    ping_idle_seconds = PING_IDLE_SECONDS

    def __init__(self, *args, **kwargs):
        self._returned_at = {}  # connection key -> monotonic time it was checked in
        super().__init__(*args, **kwargs)

    def _is_closed(self, conn):
        returned = self._returned_at.get(self.conn_key(conn))
        if returned is not None and time.monotonic() - returned < self.ping_idle_seconds:
            return self._is_dead(conn)
        return super()._is_closed(conn)

    def _close(self, conn, close_conn=False):
        # Noted before the pool decides; a connection it closes instead forgets it in _close_raw.
        if not close_conn:
            self._returned_at[self.conn_key(conn)] = time.monotonic()
        return super()._close(conn, close_conn)

    def _close_raw(self, conn):
        self._returned_at.pop(self.conn_key(conn), None)
        return super()._close_raw(conn)


class Postgres(_PingWhenIdle, PooledPostgresqlDatabase):
    """PostgreSQL pool; libpq already knows a connection it saw break."""

    def _is_dead(self, conn):
        return conn.closed or self._adapter.txn_status(conn) == self._adapter.txn_unknown


class MySQL(_PingWhenIdle, PooledMySQLDatabase):
    """MariaDB/MySQL pool; PyMySQL drops its socket when it sees the connection break."""

    def _is_dead(self, conn):
        return not getattr(conn, "open", True)


# URL schemes for playhouse.db_url.connect, which keeps its URL parsing and checks.
SCHEMES = {"postgres": "postgresql+pingidle", "postgresql": "postgresql+pingidle",
           "mysql": "mysql+pingidle", "mariadb": "mysql+pingidle"}
register_database(Postgres, "postgresql+pingidle")
register_database(MySQL, "mysql+pingidle")
