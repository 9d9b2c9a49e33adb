package dev.sdembed.pipeline.internal;

import dev.sdembed.internal.StoredPaths;
import dev.sdembed.io.FileErrors;
import dev.sdembed.store.PathOrder;
import java.io.IOException;
import java.nio.file.DirectoryIteratorException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Walks folders depth first and hands each image file to a visitor as it is found, so a library of any size is never
 * listed in memory: only the entries of the folders being walked (one listing per level) and the identities of the
 * directories entered are kept; the identities guard against symlink loops and against one folder reached through
 * two links being indexed twice. One walker serves a whole run, so a root given twice, a root inside another and a
 * file root inside a folder root are each walked once, whatever their order. A folder that cannot be read is skipped
 * with a WARN; the rest of the walk goes on.
 *
 * <p>Files come in the stores' path order ({@link PathOrder}, by the text {@link StoredPaths} stores): each folder's
 * entries are sorted by name, a sub-folder as its name followed by {@code /}, which is where the paths under it sort.
 * A walk can therefore be merged with a store's listing of the same folder ({@link VanishedScan}) without holding
 * either in memory. Folders the walk does not enter (walked already through another path, unreadable, or listed only
 * in part) are told to the visitor in the same order, so the merge knows which stored paths it cannot judge.
 */
public final class FileWalker {
    private static final Logger LOG = LoggerFactory.getLogger(FileWalker.class);

    /** What a walk finds, in path order. */
    public interface Visitor {
        /** An image file (or a file root, whatever its name). */
        void file(Path file);

        /**
         * A folder whose contents the walk does not vouch for: not entered (already walked through another path, or
         * unreadable), or listed only in part (its listing broke off; what it listed is still handed out after this
         * call). Told before anything under it.
         */
        default void skipped(Path folder) {
        }
    }

    private final Set<String> extensions;
    private final BooleanSupplier cancelled;
    /** The directories entered by any walk of this walker: their file keys, else their real paths. */
    private final Set<Object> entered = new HashSet<>();
    /** Real paths of the file roots handed out, and their names (checked first, so most files cost no lookup). */
    private final Set<Path> fileRoots = new HashSet<>();
    private final Set<Path> fileRootNames = new HashSet<>();

    /** @param extensions lower-case file name extensions without the dot */
    public FileWalker(Set<String> extensions, BooleanSupplier cancelled) {
        this.extensions = Set.copyOf(extensions);
        this.cancelled = cancelled;
    }

    /** Whether {@code file}'s name ends with one of the extensions, in any case. */
    public boolean accepts(Path file) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && extensions.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** {@link #visit} handing out the files only. */
    public boolean walk(Path root, Consumer<Path> sink) {
        return visit(root, sink::accept);
    }

    /**
     * Walks {@code root} (a folder, or a single file taken whatever its extension); false when cancelled. Folders
     * and files an earlier call of this walker handed out are not handed out again.
     */
    public boolean visit(Path root, Visitor visitor) {
        if (Files.isRegularFile(root)) {
            walkFile(root, visitor);
            return !cancelled.getAsBoolean();
        }
        BasicFileAttributes rootAttributes;
        try {
            rootAttributes = Files.readAttributes(root, BasicFileAttributes.class);
        } catch (IOException e) {
            LOG.warn("Cannot read {}: {}", root, FileErrors.reason(e));
            visitor.skipped(root);
            return !cancelled.getAsBoolean();
        }
        Deque<Iterator<Entry>> stack = new ArrayDeque<>();
        Iterator<Entry> top = enter(root, rootAttributes, visitor);
        if (top != null) {
            stack.push(top);
        }
        while (!stack.isEmpty()) {
            if (cancelled.getAsBoolean()) {
                return false;
            }
            Iterator<Entry> level = stack.peek();
            if (!level.hasNext()) {
                stack.pop();
                continue;
            }
            Entry e = level.next();
            if (e.attributes.isDirectory()) {
                Iterator<Entry> below = enter(e.path, e.attributes, visitor);
                if (below != null) {
                    stack.push(below);
                }
            } else if (e.attributes.isRegularFile() && accepts(e.path) && !isFileRoot(e.path)) {
                visitor.file(e.path);
                if (cancelled.getAsBoolean()) {
                    return false;
                }
            }
        }
        return !cancelled.getAsBoolean();
    }

    /** One entry of a folder: its path, attributes (links followed) and the text it sorts by. */
    private record Entry(Path path, BasicFileAttributes attributes, String sortKey) {
    }

    private static final Comparator<Entry> ORDER = (a, b) -> PathOrder.compare(a.sortKey, b.sortKey);

    /**
     * The sorted entries of {@code dir}, or null when it is not entered (already walked, or unreadable: the visitor is
     * told). A listing that breaks off is told too, and what it listed is walked.
     */
    private Iterator<Entry> enter(Path dir, BasicFileAttributes attributes, Visitor visitor) {
        if (!entered.add(key(dir, attributes))) {
            LOG.debug("Skipping {}: its folder was already walked through another path", dir);
            visitor.skipped(dir);
            return null;
        }
        List<Entry> entries = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir)) {
            for (Path p : listing) {
                BasicFileAttributes a = attributes(p);
                if (a != null) {
                    entries.add(new Entry(p, a, sortKey(p, a.isDirectory())));
                }
            }
        } catch (IOException e) {
            LOG.warn("Cannot read {}: {}", dir, FileErrors.reason(e));
            visitor.skipped(dir);
            return null;
        } catch (DirectoryIteratorException e) {
            // A listing that broke off (an I/O error, a network file system going away): what it listed is walked,
            // and the rest of the library still is, but nothing under this folder can be judged missing.
            LOG.warn("Cannot read all of {}: {}", dir, FileErrors.reason(e.getCause()));
            visitor.skipped(dir);
        }
        entries.sort(ORDER);
        return entries.iterator();
    }

    /** {@code p}'s attributes following links; a dangling link's own, a loop or an unreadable entry's none. */
    private static BasicFileAttributes attributes(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class);
        } catch (IOException followed) {
            try {
                BasicFileAttributes own = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                if (!own.isSymbolicLink()) {
                    LOG.warn("Cannot read {}: {}", p, FileErrors.reason(followed));
                }
                return own;
            } catch (IOException e) {
                LOG.warn("Cannot read {}: {}", p, FileErrors.reason(e));
                return null;
            }
        }
    }

    /** The entry's name as its stored path spells it, a folder's followed by {@code /}: what the stores sort by. */
    private static String sortKey(Path p, boolean folder) {
        String name = p.getFileName().toString();
        if (name.indexOf('\uFFFD') >= 0) {
            String stored = StoredPaths.of(p);
            name = stored.substring(stored.lastIndexOf('/') + 1);
        }
        return folder ? name + "/" : name;
    }

    /** A file root, unless it was given before or its folder was walked (where it was found, if it is an image). */
    private void walkFile(Path root, Visitor visitor) {
        Path real = realPath(root);
        Path folder = root.toAbsolutePath().getParent();
        boolean inWalkedFolder = accepts(root) && folder != null && entered.contains(key(folder, null));
        if (inWalkedFolder || !fileRoots.add(real)) {
            LOG.debug("Skipping {}: already found through another root", root);
            return;
        }
        fileRootNames.add(root.getFileName());
        visitor.file(root);
    }

    private boolean isFileRoot(Path file) {
        return fileRootNames.contains(file.getFileName()) && fileRoots.contains(realPath(file));
    }

    /** A directory's identity: its file key (device and inode) where the file system has one, else its real path. */
    private static Object key(Path dir, BasicFileAttributes attrs) {
        if (attrs == null) {
            try {
                attrs = Files.readAttributes(dir, BasicFileAttributes.class);
            } catch (IOException e) {
                return realPath(dir);
            }
        }
        return attrs.fileKey() != null ? attrs.fileKey() : realPath(dir);
    }

    private static Path realPath(Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            return path.toAbsolutePath().normalize();
        }
    }
}
