package dev.sdembed.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.PostgresTestServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/** SQL on the test server beside a store, for checks and fault injection in the store's tests. */
final class TestSql {
    private TestSql() {
    }

    /** The first column of the one row {@code sql} returns, as text. */
    static String single(String sql) throws SQLException {
        try (Connection c = PostgresTestServer.shared().connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            assertThat(rs.next()).as("a row from " + sql).isTrue();
            return rs.getString(1);
        }
    }

    static void execute(String sql) throws SQLException {
        try (Connection c = PostgresTestServer.shared().connect(); Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
