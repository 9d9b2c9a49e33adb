package dev.sdembed.store.postgres.internal;

import dev.sdembed.InvalidInputException;
import dev.sdembed.SdembedException;
import dev.sdembed.StoreException;
import dev.sdembed.store.spi.SqlFailures;
import java.sql.SQLException;
import java.util.function.Predicate;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Turns driver and server errors into sdembed exceptions that say what happened and what to do. */
public final class SqlErrors {
    private SqlErrors() {
    }

    /** The first SQLSTATE in {@code t}'s causes and suppressed exceptions, or null. */
    public static String sqlState(Throwable t) {
        return SqlFailures.all(t).stream().map(SQLException::getSQLState).filter(s -> s != null).findFirst().orElse(null);
    }

    private static SQLException withState(Throwable t, Predicate<String> state) {
        return SqlFailures.all(t).stream().filter(e -> e.getSQLState() != null && state.test(e.getSQLState()))
                .findFirst().orElse(null);
    }

    private static boolean lostConnectionState(String state) {
        return state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03");
    }

    /** Deadlock or serialization failure: the transaction was rolled back and running it again may succeed. */
    public static boolean isRetryable(Throwable t) {
        return withState(t, s -> s.equals("40P01") || s.equals("40001")) != null;
    }

    /** The connection is gone (network, server shutdown, backend terminated): nothing was committed by this call. */
    public static boolean isConnectionLoss(Throwable t) {
        return withState(t, SqlErrors::lostConnectionState) != null;
    }

    /** Wraps {@code t}, raised while {@code action} ran against {@code where} (which never contains a password). */
    public static SdembedException translate(Throwable t, String action, String where) {
        if (t instanceof SdembedException e) {
            return e;
        }
        SQLException refused = withState(t, s -> s.equals("08001") || s.equals("08004") || s.startsWith("28")
                || s.equals("3D000"));
        if (refused != null) {
            return new StoreException("Cannot connect to PostgreSQL at " + where + " while " + action + " (SQLSTATE "
                    + refused.getSQLState() + ": " + firstLine(refused) + "). Check that the server runs and the URL's "
                    + "host, port, database, user and password (or PGPASSWORD).", t);
        }
        SQLException lost = withState(t, SqlErrors::lostConnectionState);
        if (lost != null) {
            return new StoreException("Lost the connection to PostgreSQL at " + where + " while " + action
                    + " (SQLSTATE " + lost.getSQLState() + ": " + firstLine(lost) + "). Nothing of this call was "
                    + "committed, or its commit was not confirmed; running it again is safe.", t);
        }
        SQLException missingReference = withState(t, "23503"::equals);
        if (missingReference != null) {
            return new InvalidInputException("Cannot " + action + ": " + detail(missingReference)
                    + ". Put the referenced content in the same batch, or write it before.", t);
        }
        SQLException sql = withState(t, s -> true);
        if (sql == null) {
            sql = SqlFailures.all(t).stream().findFirst().orElse(null);
        }
        String state = sql == null ? null : sql.getSQLState();
        return new StoreException("PostgreSQL at " + where + " failed while " + action + ": "
                + (state == null ? "" : "SQLSTATE " + state + ": ") + (sql == null ? String.valueOf(t.getMessage())
                : firstLine(sql)), t);
    }

    private static String detail(SQLException e) {
        if (e instanceof PSQLException p) {
            ServerErrorMessage m = p.getServerErrorMessage();
            if (m != null) {
                return m.getMessage() + (m.getDetail() == null ? "" : " (" + m.getDetail() + ")");
            }
        }
        return firstLine(e);
    }

    /** The first line of a driver message (the server's detail and hint lines follow it). */
    static String firstLine(SQLException e) {
        if (e == null) {
            return "";
        }
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
