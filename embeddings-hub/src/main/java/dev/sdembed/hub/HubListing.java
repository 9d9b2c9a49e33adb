package dev.sdembed.hub;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The files of a repository at one commit, as the tree API lists them, without any of them downloaded: what a caller
 * looks at to decide which files it wants ({@link HubClient#listing}) before fetching them from that same commit
 * ({@link HubClient#snapshot(HubListing, java.util.function.Predicate)}).
 *
 * @param repoId    the repository, e.g. {@code immich-app/ViT-H-14__laion2b-s32b-b79k}
 * @param revision  the revision asked for: a branch, tag or commit
 * @param commit    the commit it resolved to (40 hex digits)
 * @param files     every file of the commit, in path order
 * @param fromCache true when the Hub was not asked (offline, or unreachable) and the listing came from the cache
 */
public record HubListing(String repoId, String revision, String commit, List<Entry> files, boolean fromCache) {

    /** One file: its path in the repository ({@code /}-separated) and size in bytes. */
    public record Entry(String path, long size) {
        public Entry {
            Objects.requireNonNull(path, "path");
        }
    }

    public HubListing {
        Objects.requireNonNull(repoId, "repoId");
        Objects.requireNonNull(revision, "revision");
        Objects.requireNonNull(commit, "commit");
        files = List.copyOf(files);
    }

    /** The paths, in order. */
    public List<String> paths() {
        return files.stream().map(Entry::path).toList();
    }

    /** The file at {@code path}, if the commit has it. */
    public Optional<Entry> file(String path) {
        return files.stream().filter(f -> f.path().equals(path)).findFirst();
    }

    public boolean has(String path) {
        return file(path).isPresent();
    }
}
