package dev.sdembed.hub.internal;

import java.net.URI;

/**
 * Keeps secrets out of log lines and messages: the token, and the query of a download URL (a CDN's signature, which
 * grants access to the file for a while).
 */
public final class Redaction {
    public static final String MASK = "***";

    private Redaction() {
    }

    /** {@code scheme://host:port/path}, with {@code ?…} for a query and no user info. */
    public static String url(URI uri) {
        StringBuilder s = new StringBuilder();
        if (uri.getScheme() != null) {
            s.append(uri.getScheme()).append("://");
        }
        if (uri.getHost() != null) {
            s.append(uri.getHost());
        }
        if (uri.getPort() >= 0) {
            s.append(':').append(uri.getPort());
        }
        if (uri.getRawPath() != null) {
            s.append(uri.getRawPath());
        }
        if (uri.getRawQuery() != null) {
            s.append("?…");
        }
        return s.toString();
    }

    /** {@code text} with every occurrence of {@code token} (when there is one) replaced by {@value #MASK}. */
    public static String text(String text, String token) {
        if (text == null || token == null || token.isEmpty()) {
            return text;
        }
        return text.replace(token, MASK);
    }
}
