package dev.sdembed.hub.internal;

import java.net.http.HttpHeaders;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.Set;

/**
 * When to retry and how long to wait, as huggingface_hub's {@code utils/_http.py}: 408, 429 and 5xx gateway errors
 * and dropped connections are retried up to {@code maxRetries} times, waiting {@code initialDelay} doubled each
 * time up to {@code maxDelay}, or what a {@code Retry-After} header asks.
 */
public record Backoff(int maxRetries, Duration initialDelay, Duration maxDelay) {
    /** huggingface_hub's {@code _DEFAULT_RETRY_ON_STATUS_CODES}. */
    private static final Set<Integer> RETRIED = Set.of(408, 429, 500, 502, 503, 504);
    /** A Retry-After beyond this is not waited for: the caller is told to come back later instead. */
    public static final Duration LONGEST_RETRY_AFTER = Duration.ofMinutes(5);

    public static boolean retried(int status) {
        return RETRIED.contains(status);
    }

    /** The wait before retry {@code retry} (1 for the first): exponential, or the server's Retry-After. */
    public Duration delay(int retry, Optional<Duration> retryAfter) {
        if (retryAfter.isPresent()) {
            return retryAfter.get();
        }
        Duration d = initialDelay;
        for (int i = 1; i < retry && d.compareTo(maxDelay) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxDelay) > 0 ? maxDelay : d;
    }

    /** Sleeps for {@link #delay}. */
    public void pause(int retry, Optional<Duration> retryAfter) throws InterruptedException {
        Thread.sleep(delay(retry, retryAfter).toMillis());
    }

    /** {@code Retry-After} as delay-seconds or an HTTP date, if the response has one. */
    public static Optional<Duration> retryAfter(HttpHeaders headers) {
        Optional<String> value = headers.firstValue("Retry-After").map(String::strip).filter(v -> !v.isEmpty());
        if (value.isEmpty()) {
            return Optional.empty();
        }
        String v = value.get();
        if (v.chars().allMatch(Character::isDigit)) {
            try {
                return Optional.of(Duration.ofSeconds(Long.parseLong(v)));
            } catch (NumberFormatException e) {
                return Optional.of(LONGEST_RETRY_AFTER.plusSeconds(1));
            }
        }
        try {
            Duration d = Duration.between(ZonedDateTime.now(), ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME));
            return Optional.of(d.isNegative() ? Duration.ZERO : d);
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }
}
