package dev.sdembed.pipeline.internal;

import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.PathOrder;
import dev.sdembed.store.StoredImage;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;

/**
 * Finds the records a folder's walk no longer meets: a merge of the walk (files in path order, from
 * {@link FileWalker}) with the store's records under the folder ({@link EmbeddingStore#listImages}, paged in the same
 * order), on the walking thread. A stored path the walk passes without handing it out is gone, unless its file is
 * still a regular file (one look per such path: it may lie under a folder the walk skipped as already walked, or have
 * an extension no longer indexed); paths under a folder the walk could not vouch for are left alone. Memory: one page
 * of records, whatever the library's size; the records found gone go to the caller as they are found.
 */
public final class VanishedScan {
    /** Records per page of the store's listing. */
    static final int PAGE = 1000;

    private final EmbeddingStore store;
    private final String prefix;
    private final Consumer<StoredImage> gone;
    private Iterator<StoredImage> page = List.<StoredImage>of().iterator();
    private String lastListed;
    private boolean exhausted;
    /** The next stored record under the prefix not yet judged, or null when none is left. */
    private StoredImage next;

    /**
     * @param folder the stored path of the folder walked ({@link StoredPaths#of})
     * @param gone   receives each record whose file is gone, in path order
     */
    public VanishedScan(EmbeddingStore store, String folder, Consumer<StoredImage> gone) {
        this.store = store;
        this.prefix = folder.endsWith("/") ? folder : folder + "/";
        this.gone = gone;
        // Nothing under the folder sorts before "folder/" itself, and nothing else between it and its last path.
        this.lastListed = prefix;
        advance();
    }

    /** The stored path prefix of everything this scan judges: the folder's path and {@code /}. */
    public String prefix() {
        return prefix;
    }

    /** The walk handed out {@code storedPath}: every stored path before it was passed without being met. */
    public void seen(String storedPath) {
        while (next != null && PathOrder.compare(next.path(), storedPath) < 0) {
            judge(next);
            advance();
        }
        if (next != null && next.path().equals(storedPath)) {
            advance();
        }
    }

    /** The walk does not vouch for what is under {@code storedFolder}: its stored paths are passed unjudged. */
    public void skipped(String storedFolder) {
        String under = storedFolder.endsWith("/") ? storedFolder : storedFolder + "/";
        while (next != null && PathOrder.compare(next.path(), under) < 0) {
            judge(next);
            advance();
        }
        while (next != null && next.path().startsWith(under)) {
            advance();
        }
    }

    /** The walk is complete: every stored path not met is judged. Call only after a walk that was not stopped. */
    public void finish() {
        while (next != null) {
            judge(next);
            advance();
        }
    }

    private void judge(StoredImage record) {
        if (!stillAFile(record.path())) {
            gone.accept(record);
        }
    }

    /**
     * Whether the stored path still names a regular file. A path stored with {@code \xHH} escapes (a name the
     * platform's encoding cannot decode) names no file as text, and counts as gone only because the walk, which
     * reads such names, did not meet it.
     */
    public static boolean stillAFile(String storedPath) {
        try {
            return Files.isRegularFile(Path.of(storedPath));
        } catch (InvalidPathException e) {
            return false;
        }
    }

    private void advance() {
        while (!page.hasNext()) {
            if (exhausted) {
                next = null;
                return;
            }
            List<StoredImage> records = store.listImages(null, lastListed, PAGE);
            if (records.size() < PAGE) {
                exhausted = true;
            }
            if (records.isEmpty()) {
                next = null;
                return;
            }
            lastListed = records.get(records.size() - 1).path();
            page = records.iterator();
        }
        StoredImage candidate = page.next();
        if (!candidate.path().startsWith(prefix)) {
            // Past the folder: everything under it has been listed.
            exhausted = true;
            page = List.<StoredImage>of().iterator();
            next = null;
            return;
        }
        next = candidate;
    }
}
