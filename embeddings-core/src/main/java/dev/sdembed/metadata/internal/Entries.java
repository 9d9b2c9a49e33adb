package dev.sdembed.metadata.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The metadata texts of one file by keyword, in file order: PNG text-chunk keywords ({@code parameters},
 * {@code prompt}, {@code Comment}, ...) and EXIF fields ({@code UserComment}, {@code ImageDescription}, ...). The
 * first text for a keyword wins, as in the readers front-ends use. Also collects warnings about the container.
 */
final class Entries {
    private final Map<String, String> texts = new LinkedHashMap<>();
    private final Map<String, String> sources = new LinkedHashMap<>();
    private final List<String> warnings = new ArrayList<>();
    private int[] pixelSize;

    /** Adds {@code text} under {@code keyword} unless the keyword is already present. */
    void put(String keyword, String text, String source) {
        if (!texts.containsKey(keyword)) {
            texts.put(keyword, text);
            sources.put(keyword, source);
        }
    }

    /** Adds or replaces. */
    void replace(String keyword, String text, String source) {
        texts.put(keyword, text);
        sources.put(keyword, source);
    }

    String get(String keyword) {
        return texts.get(keyword);
    }

    boolean has(String keyword) {
        return texts.containsKey(keyword);
    }

    /** Where the text for {@code keyword} came from, for warnings: "PNG tEXt chunk 'prompt'", "EXIF UserComment". */
    String source(String keyword) {
        String source = sources.get(keyword);
        return source == null ? "'" + keyword + "'" : source;
    }

    Map<String, String> texts() {
        return texts;
    }

    /** The image's pixel size from its header (PNG IHDR, WebP VP8X), for formats that do not state one. */
    void pixelSize(int width, int height) {
        if (width > 0 && height > 0) {
            pixelSize = new int[] {width, height};
        }
    }

    /** {@code [width, height]} from the header, or null when the container did not give it. */
    int[] pixelSize() {
        return pixelSize == null ? null : pixelSize.clone();
    }

    void warn(String warning) {
        warnings.add(warning);
    }

    List<String> warnings() {
        return warnings;
    }
}
