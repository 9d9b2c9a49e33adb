package dev.sdembed.io;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Locale;
import java.util.zip.CRC32;

/**
 * A short checksum of where a file is and which version of it is there (its absolute path, size and modification
 * time), for naming what is made from it and kept between processes: another version of the file, or the same path
 * rewritten, gets another name. Looks at the file's attributes only, never its content.
 */
public final class FileStamp {
    private FileStamp() {
    }

    /**
     * The start of a name for what is kept for {@code file}, the same for every version of it: its folder's and its
     * own name (without {@code .onnx}), safe in a file name, and eight hex digits over its absolute path, then a dash.
     * A cache names each version {@code pathPrefix(file) + of(file, ...)} and finds the others to delete by the
     * prefix.
     */
    public static String pathPrefix(Path file) {
        Path absolute = file.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        String name = (parent == null || parent.getFileName() == null ? "" : parent.getFileName() + "-")
                + absolute.getFileName().toString().replaceFirst("\\.onnx$", "");
        CRC32 path = new CRC32();
        path.update(absolute.toString().getBytes(StandardCharsets.UTF_8));
        return name.replaceAll("[^A-Za-z0-9._-]", "_") + String.format(Locale.ROOT, "-%08x-", path.getValue());
    }

    /** Eight hex digits over the file's identity and {@code extra} (what else the kept thing depends on). */
    public static String of(Path file, String... extra) throws IOException {
        Path absolute = file.toAbsolutePath().normalize();
        BasicFileAttributes a = Files.readAttributes(absolute, BasicFileAttributes.class);
        StringBuilder identity = new StringBuilder().append(absolute).append('\n').append(a.size()).append('\n')
                .append(a.lastModifiedTime().toMillis());
        for (String e : extra) {
            identity.append('\n').append(e);
        }
        CRC32 crc = new CRC32();
        crc.update(identity.toString().getBytes(StandardCharsets.UTF_8));
        return String.format(Locale.ROOT, "%08x", crc.getValue());
    }
}
