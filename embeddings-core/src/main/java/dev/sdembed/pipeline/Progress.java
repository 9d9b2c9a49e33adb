package dev.sdembed.pipeline;

import java.time.Duration;
import java.util.Optional;

/**
 * Counts of a run so far.
 *
 * @param filesSeen    files the walk has found so far
 * @param filesDone    files indexed (new or changed) in this run
 * @param filesSkipped files left as they were: unchanged and with every slot present
 * @param filesFailed  files recorded as failed in this run
 * @param walkComplete whether the walk has found every file (then {@code filesSeen} is the total)
 * @param elapsed      time since the run started
 */
public record Progress(long filesSeen, long filesDone, long filesSkipped, long filesFailed, boolean walkComplete,
                       Duration elapsed) {

    /** Files handled so far, whatever the outcome. */
    public long filesProcessed() {
        return filesDone + filesSkipped + filesFailed;
    }

    /** Files handled per second since the start. */
    public double filesPerSecond() {
        double seconds = elapsed.toNanos() / 1e9;
        return seconds <= 0 ? 0 : filesProcessed() / seconds;
    }

    /** Time left at the current rate; empty until the walk is complete (the total is unknown before). */
    public Optional<Duration> eta() {
        double rate = filesPerSecond();
        if (!walkComplete || rate <= 0) {
            return Optional.empty();
        }
        long left = Math.max(0, filesSeen - filesProcessed());
        return Optional.of(Duration.ofMillis(Math.round(left / rate * 1000)));
    }
}
