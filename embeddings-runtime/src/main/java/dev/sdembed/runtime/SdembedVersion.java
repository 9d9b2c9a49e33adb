package dev.sdembed.runtime;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version of sdembed this is and the commit it was built from, as the build recorded them.
 *
 * @param version    the project version ({@code 0.1.0-SNAPSHOT})
 * @param commit     the abbreviated commit id, or null when built outside a git checkout
 * @param dirty      true when the checkout had uncommitted changes
 * @param commitTime the commit's time (ISO 8601), or null
 */
public record SdembedVersion(String version, String commit, boolean dirty, String commitTime) {
    private static final String RESOURCE = "sdembed-version.properties";

    /** What the build wrote into this module's jar (or classes folder). */
    public static SdembedVersion current() {
        Properties p = new Properties();
        try (InputStream in = SdembedVersion.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + RESOURCE, e);
        }
        return new SdembedVersion(filled(p.getProperty("version")), filled(p.getProperty("commit")),
                "true".equals(p.getProperty("dirty")), filled(p.getProperty("commitTime")));
    }

    /** {@code 0.1.0 (commit 1a2b3c4, 2026-12-05T10:00:00Z)}, {@code (development build)} when nothing was recorded. */
    @Override
    public String toString() {
        if (version == null) {
            return "(development build)";
        }
        if (commit == null) {
            return version;
        }
        return version + " (commit " + commit + (dirty ? " with uncommitted changes" : "")
                + (commitTime == null ? "" : ", " + commitTime) + ")";
    }

    /** Null for a value the build did not fill in (still a {@code ${...}} placeholder) or left empty. */
    private static String filled(String value) {
        return value == null || value.isBlank() || value.startsWith("${") ? null : value;
    }
}
