# Sourced by scripts/test: a throwaway PostgreSQL 15 for the tests.
#
# PostgreSQL refuses to run as root, so the server runs as the `postgres` user, with
# its data in a temp folder that user owns, listening only on 127.0.0.1 on a port of
# its own (54329, or the next free one when another checkout's tests hold it).
# Durability settings are off: the data is thrown away when the tests end.
# Exports WACTL_TEST_DATABASE_URL; `stop_test_postgres` (called from the cleanup
# trap) stops the server and removes the folder.

PG_BIN=/usr/lib/postgresql/15/bin
TEST_PG_DIR=""

as_postgres() {
    # root (CI, this machine) runs the server as `postgres`; anyone else as themselves
    if [ "$(id -u)" -eq 0 ]; then
        (cd /tmp && runuser -u postgres -- "$@")
    else
        (cd /tmp && "$@")
    fi
}

start_test_postgres() {
    if [ ! -x "$PG_BIN/postgres" ]; then
        echo "==> installing PostgreSQL 15"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
    fi
    local port
    port=$(python3 - <<'PY'
import socket
for port in range(54329, 54400):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            continue
        print(port)
        break
PY
)
    TEST_PG_DIR=$(mktemp -d /tmp/wactl-test-pg.XXXXXX)
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$TEST_PG_DIR"
    fi
    chmod 700 "$TEST_PG_DIR"
    echo "==> PostgreSQL 15 on 127.0.0.1:$port ($TEST_PG_DIR)"
    as_postgres "$PG_BIN/initdb" -D "$TEST_PG_DIR/data" -U postgres \
        -A trust -E UTF8 --locale=C --no-sync >"$TEST_PG_DIR/initdb.log" 2>&1 || {
        cat "$TEST_PG_DIR/initdb.log" >&2; return 1; }
    as_postgres "$PG_BIN/pg_ctl" -D "$TEST_PG_DIR/data" \
        -l "$TEST_PG_DIR/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -k $TEST_PG_DIR -c fsync=off \
            -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
        start >/dev/null || { cat "$TEST_PG_DIR/server.log" >&2; return 1; }
    export WACTL_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/postgres"
    export WACTL_REQUIRE_POSTGRES=1
}

stop_test_postgres() {
    if [ -n "$TEST_PG_DIR" ] && [ -d "$TEST_PG_DIR/data" ]; then
        as_postgres "$PG_BIN/pg_ctl" -D "$TEST_PG_DIR/data" -m fast -w stop \
            >/dev/null 2>&1 || true
    fi
    if [ -n "$TEST_PG_DIR" ]; then
        rm -rf "$TEST_PG_DIR"
    fi
}
