package dev.sdembed.store.postgres;

import dev.sdembed.InvalidInputException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PostgreSQL connection location, parsed from either form users have at hand:
 * {@code postgresql://user[:password]@host[:port]/db[?param=value&...]} (libpq's, also {@code postgres://}) or
 * {@code jdbc:postgresql://host[:port]/db[?user=...&password=...]}. The password is kept apart and never printed:
 * {@link #toString()} masks it, and {@link #jdbcUrl()} leaves credentials out.
 *
 * @param host       host name or address; {@code localhost} when absent
 * @param port       TCP port; 5432 when absent
 * @param database   database name; the user's name when absent (as libpq does)
 * @param user       user name, or null for the driver's default (the OS user)
 * @param password   password, or null
 * @param parameters further connection parameters passed to the driver (e.g. {@code sslmode})
 */
public record PostgresUrl(String host, int port, String database, String user, String password,
                          Map<String, String> parameters) {

    private static final Pattern URL = Pattern.compile(
            "(?i)(jdbc:postgresql|postgresql|postgres)://(?:([^@/?]*)@)?(\\[[^\\]]+\\]|[^:/?]*)(?::(\\d*))?(?:/([^?]*))?(?:\\?(.*))?");
    private static final Pattern CREDENTIALS = Pattern.compile("(://[^:/@]*:).*@");
    /** Where else a password can come from, for messages (the command line reads these variables). */
    private static final String PASSWORD_VARIABLE_HINT = "SDEMBED_STORE_PASSWORD or PGPASSWORD";
    private static final Pattern PASSWORD_PARAMETER = Pattern.compile("(?i)(password=)[^&]*");

    public PostgresUrl {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(database, "database");
        parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /** Parses either URL form; the error message shows the URL with its password masked. */
    public static PostgresUrl parse(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidInputException("Store URL is empty; expected postgresql://user[:password]@host:port/db "
                    + "or jdbc:postgresql://host:port/db");
        }
        String authority = authority(url.trim());
        if (authority != null && authority.indexOf('@') != authority.lastIndexOf('@')) {
            // libpq and the JDBC driver would take everything after the first '@' for the host, and print it.
            throw new InvalidInputException("Store URL '" + mask(url) + "' has more than one '@' before the host; a"
                    + " user name or password containing '@' must be written %40 (postgresql://user:p%40ss@host/db),"
                    + " or give the password in " + PASSWORD_VARIABLE_HINT);
        }
        Matcher m = URL.matcher(url.trim());
        if (!m.matches()) {
            throw new InvalidInputException("Store URL '" + mask(url) + "' is not a PostgreSQL URL; expected "
                    + "postgresql://user[:password]@host:port/db or jdbc:postgresql://host:port/db");
        }
        String user = null;
        String password = null;
        if (m.group(2) != null) {
            String userInfo = m.group(2);
            int colon = userInfo.indexOf(':');
            user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), url);
            password = colon < 0 ? null : decode(userInfo.substring(colon + 1), url);
        }
        String host = m.group(3).isEmpty() ? "localhost" : m.group(3);
        int port = 5432;
        if (m.group(4) != null && !m.group(4).isEmpty()) {
            port = Integer.parseInt(m.group(4));
            if (port < 1 || port > 65535) {
                throw new InvalidInputException("Store URL '" + mask(url) + "' has port " + port + "; expected 1 to 65535");
            }
        }
        Map<String, String> parameters = new LinkedHashMap<>();
        if (m.group(6) != null && !m.group(6).isEmpty()) {
            for (String pair : m.group(6).split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                String key = decode(eq < 0 ? pair : pair.substring(0, eq), url);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), url);
                switch (key) {
                    case "user" -> user = value;
                    case "password" -> password = value;
                    default -> parameters.put(key, value);
                }
            }
        }
        String database = m.group(5) == null || m.group(5).isEmpty() ? null : decode(m.group(5), url);
        if (database == null) {
            database = user;
        }
        if (database == null) {
            throw new InvalidInputException("Store URL '" + mask(url) + "' names no database; add /dbname after the host");
        }
        return new PostgresUrl(host, port, database, user, password, parameters);
    }

    /** The part between "://" and the next '/' or '?', or null when there is no "://". */
    private static String authority(String url) {
        int start = url.indexOf("://");
        if (start < 0) {
            return null;
        }
        int end = start + 3;
        while (end < url.length() && url.charAt(end) != '/' && url.charAt(end) != '?') {
            end++;
        }
        return url.substring(start + 3, end);
    }

    /** {@code url} with any password replaced by {@code ***}, for messages and logs. */
    public static String mask(String url) {
        if (url == null) {
            return null;
        }
        String masked = CREDENTIALS.matcher(url).replaceAll("$1***@");
        return PASSWORD_PARAMETER.matcher(masked).replaceAll("$1***");
    }

    /** The JDBC URL without user or password (those go to the driver as properties). */
    public String jdbcUrl() {
        StringBuilder sb = new StringBuilder("jdbc:postgresql://").append(host).append(':').append(port).append('/')
                .append(encode(database));
        String sep = "?";
        for (Map.Entry<String, String> e : parameters.entrySet()) {
            sb.append(sep).append(encode(e.getKey())).append('=').append(encode(e.getValue()));
            sep = "&";
        }
        return sb.toString();
    }

    /** This location with another password (e.g. from the environment). */
    public PostgresUrl withPassword(String newPassword) {
        return new PostgresUrl(host, port, database, user, newPassword, parameters);
    }

    /** This location with another user. */
    public PostgresUrl withUser(String newUser) {
        return new PostgresUrl(host, port, database, newUser, password, parameters);
    }

    /** {@code postgresql://user:***@host:port/db}: safe to log. */
    @Override
    public String toString() {
        return "postgresql://" + (user == null ? "" : user + (password == null ? "" : ":***") + "@") + host + ":" + port
                + "/" + database;
    }

    private static String decode(String s, String url) {
        try {
            return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException("Store URL '" + mask(url) + "' has a malformed %-escape", e);
        }
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
