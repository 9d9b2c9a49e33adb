package dev.sdembed.store.internal;

import dev.sdembed.InvalidInputException;

/** The NUL check of the store's value types, which run it when they are made, before any store sees them. */
public final class NulChecks {
    private NulChecks() {
    }

    /** Databases' text types cannot hold U+0000; reject it here with the field's name instead of failing in SQL. */
    public static void requireNoNul(String value, String what) {
        if (value == null) {
            return;
        }
        int at = value.indexOf('\0');
        if (at >= 0) {
            throw new InvalidInputException(what + " contains a NUL character (U+0000) at index " + at
                    + "; stores cannot hold it");
        }
    }
}
