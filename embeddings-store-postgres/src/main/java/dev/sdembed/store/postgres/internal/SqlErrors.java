package dev.sdembed.store.postgres.internal;

import dev.sdembed.InvalidInputException;
import dev.sdembed.SdembedException;
import dev.sdembed.StoreException;
import java.sql.SQLException;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Turns driver and server errors into sdembed exceptions that say what happened and what to do. */
public final class SqlErrors {
    private SqlErrors() {
    }

    /** The first {@link SQLException} in the cause chain, or null. */
    public static SQLException sqlCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException e) {
                return e;
            }
        }
        return null;
    }

    public static String sqlState(Throwable t) {
        SQLException e = sqlCause(t);
        return e == null ? null : e.getSQLState();
    }

    /** Deadlock or serialization failure: the transaction was rolled back and running it again may succeed. */
    public static boolean isRetryable(Throwable t) {
        String state = sqlState(t);
        return "40P01".equals(state) || "40001".equals(state);
    }

    /** The connection is gone (network, server shutdown, backend terminated): nothing was committed by this call. */
    public static boolean isConnectionLoss(Throwable t) {
        String state = sqlState(t);
        return state != null && (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                || state.equals("57P03"));
    }

    /** Wraps {@code t}, raised while {@code action} ran against {@code where} (which never contains a password). */
    public static SdembedException translate(Throwable t, String action, String where) {
        if (t instanceof SdembedException e) {
            return e;
        }
        SQLException sql = sqlCause(t);
        String state = sql == null ? null : sql.getSQLState();
        if (isConnectionLoss(t)) {
            return new StoreException("Lost the connection to PostgreSQL at " + where + " while " + action
                    + " (SQLSTATE " + state + ": " + firstLine(sql) + "). Nothing of this call was committed, "
                    + "or its commit was not confirmed; running it again is safe.", t);
        }
        if ("23503".equals(state)) {
            return new InvalidInputException("Cannot " + action + ": " + detail(sql)
                    + ". Put the referenced content in the same batch, or write it before.", t);
        }
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

    private static String firstLine(SQLException e) {
        if (e == null) {
            return "";
        }
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
