package dev.sdembed.hub;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * The wanted files of one repository, all from one commit, in the cache.
 *
 * @param repoId    the repository, e.g. {@code BAAI/bge-large-en-v1.5}
 * @param revision  the revision asked for: a branch, tag or commit
 * @param commit    the commit it resolved to (40 hex digits); every file is from this commit
 * @param directory {@code <cache>/models--org--name/snapshots/<commit>}, the folder holding the files
 * @param files     the files, in repository path order
 */
public record HubSnapshot(String repoId, String revision, String commit, Path directory, List<HubFile> files) {

    public HubSnapshot {
        Objects.requireNonNull(repoId, "repoId");
        Objects.requireNonNull(revision, "revision");
        Objects.requireNonNull(commit, "commit");
        Objects.requireNonNull(directory, "directory");
        files = List.copyOf(files);
    }

    /** The file at {@code path} in the repository; fails naming the paths the snapshot has. */
    public HubFile file(String path) {
        for (HubFile f : files) {
            if (f.path().equals(path)) {
                return f;
            }
        }
        throw new IllegalArgumentException("Snapshot of " + repoId + " at " + commit + " has no file '" + path
                + "' (it has: " + files.stream().map(HubFile::path).collect(Collectors.joining(", ")) + ")");
    }

    /** The sum of the files' sizes. */
    public long totalBytes() {
        return files.stream().mapToLong(HubFile::size).sum();
    }

    /** True when every file came from the cache and nothing was downloaded. */
    public boolean fromCache() {
        return files.stream().allMatch(HubFile::fromCache);
    }
}
