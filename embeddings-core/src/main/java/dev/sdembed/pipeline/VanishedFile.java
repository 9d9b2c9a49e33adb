package dev.sdembed.pipeline;

/**
 * An indexed file that is gone from where it was: found by a run whose walk covered its folder and no longer met it
 * (deleted, moved or renamed).
 *
 * @param path    the path its record is stored under
 * @param movedTo the stored path of a file with the same content found at a new path in the same run (the file
 *                moved), or null
 * @param removed whether its record left that path in this run: re-pointed to {@code movedTo}, or deleted (with the
 *                contents only it used) when the run prunes; false when the record stays until a run with pruning
 */
public record VanishedFile(String path, String movedTo, boolean removed) {
    /** Whether it was found again at a new path. */
    public boolean moved() {
        return movedTo != null;
    }
}
