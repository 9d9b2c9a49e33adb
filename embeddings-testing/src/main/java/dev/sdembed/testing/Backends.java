package dev.sdembed.testing;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;

/** Finds a store's server processes through {@code pg_stat_activity}, for fault-injection tests. */
public final class Backends {
    private Backends() {
    }

    /** Waits until a backend of {@code applicationName} waits on a lock, and returns its pid. */
    public static int awaitLockWait(Connection c, String applicationName, Duration timeout)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (PreparedStatement ps = c.prepareStatement("SELECT pid FROM pg_stat_activity WHERE application_name = ? "
                + "AND wait_event_type = 'Lock'")) {
            ps.setString(1, applicationName);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    if (rs.next()) {
                        return rs.getInt(1);
                    }
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("No backend of '" + applicationName + "' waited on a lock within " + timeout);
    }

    /** Waits until no backend of {@code applicationName} is left (the server noticed its client is gone). */
    public static void awaitGone(Connection c, String applicationName, Duration timeout)
            throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM pg_stat_activity WHERE application_name = ?")) {
            ps.setString(1, applicationName);
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    if (rs.getInt(1) == 0) {
                        return;
                    }
                }
                Thread.sleep(50);
            }
        }
        throw new AssertionError("Backends of '" + applicationName + "' still exist after " + timeout);
    }
}
