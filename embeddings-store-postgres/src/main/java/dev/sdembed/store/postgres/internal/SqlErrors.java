package dev.sdembed.store.postgres.internal;

import dev.sdembed.InvalidInputException;
import dev.sdembed.SdembedException;
import dev.sdembed.StoreException;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** Turns driver and server errors into sdembed exceptions that say what happened and what to do. */
public final class SqlErrors {
    private SqlErrors() {
    }

    /**
     * The {@link SQLException}s in {@code t}'s causes and suppressed exceptions, the first cause first. A failed
     * rollback after a lost connection can become the thrown exception, with the real cause suppressed in it.
     */
    static List<SQLException> sqlExceptions(Throwable t) {
        List<SQLException> found = new ArrayList<>();
        collect(t, found, Collections.newSetFromMap(new IdentityHashMap<>()));
        return found;
    }

    private static void collect(Throwable t, List<SQLException> found, Set<Throwable> seen) {
        for (Throwable c = t; c != null && seen.add(c); c = c.getCause()) {
            if (c instanceof SQLException e) {
                found.add(e);
            }
            for (Throwable s : c.getSuppressed()) {
                collect(s, found, seen);
            }
        }
    }

    /** The first SQLSTATE in {@code t}'s causes and suppressed exceptions, or null. */
    public static String sqlState(Throwable t) {
        return sqlExceptions(t).stream().map(SQLException::getSQLState).filter(s -> s != null).findFirst().orElse(null);
    }

    private static SQLException withState(Throwable t, Predicate<String> state) {
        return sqlExceptions(t).stream().filter(e -> e.getSQLState() != null && state.test(e.getSQLState()))
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
            sql = sqlExceptions(t).stream().findFirst().orElse(null);
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

    private static String firstLine(SQLException e) {
        if (e == null) {
            return "";
        }
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
