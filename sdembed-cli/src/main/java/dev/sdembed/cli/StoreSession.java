package dev.sdembed.cli;

import dev.sdembed.runtime.JsonViews;
import dev.sdembed.runtime.LoadedSlots;
import dev.sdembed.runtime.QuerySlots;
import dev.sdembed.runtime.Sdembed;
import dev.sdembed.encoder.Modality;
import dev.sdembed.store.EmbeddingStore;
import dev.sdembed.store.SearchHit;
import dev.sdembed.store.SlotSpec;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The configured encoders and the store they fill, opened for the query commands; closes both. */
final class StoreSession implements AutoCloseable {
    private final Sdembed sdembed;
    final LoadedSlots slots;
    final QuerySlots querySlots;

    private StoreSession(Sdembed sdembed) {
        this.sdembed = sdembed;
        this.slots = sdembed.slots();
        this.querySlots = new QuerySlots(slots);
    }

    static StoreSession open(StoreOptions options) {
        return new StoreSession(options.sdembed(Sdembed.Usage.QUERIES).open());
    }

    /** {@code requested} if given (it must exist and have {@code modality}), else the first slot of the modality. */
    Optional<SlotSpec> slot(String requested, Modality modality) {
        return querySlots.slot(requested, modality);
    }

    /**
     * The slot images are compared in: {@code requested} when given (the store refuses unknown names, listing the
     * configured ones), else the first image slot (pixels), else the first text slot (prompts).
     */
    SlotSpec comparedSlot(String requested, String command) {
        return querySlots.comparedSlot(requested, command);
    }

    /** The store; still opening, on a thread of its own, until a command first needs it ({@link Sdembed#store()}). */
    EmbeddingStore store() {
        return sdembed.store();
    }

    List<SlotSpec> specs() {
        return slots.specs();
    }

    /**
     * The hits, best first: with {@code json} one JSON object per line, else a heading and one line per hit with
     * rank, score, path and the start of the prompt, or of the negative prompt that matched in a search of negative
     * prompts.
     */
    static void printHits(PrintWriter out, List<SearchHit> hits, boolean json, String heading) {
        if (json) {
            for (int i = 0; i < hits.size(); i++) {
                out.println(Json.line(JsonViews.hit(i + 1, hits.get(i))));
            }
        } else {
            out.println(heading + (hits.isEmpty() ? ": no indexed image matches" : ":"));
            int width = hits.stream().mapToInt(h -> displayPath(h.path()).length()).max().orElse(0);
            for (int i = 0; i < hits.size(); i++) {
                SearchHit h = hits.get(i);
                String text = h.negativePrompt() != null ? "negative: " + excerpt(h.negativePrompt(), PROMPT_EXCERPT)
                        : h.prompt() == null ? "(no prompt)" : excerpt(h.prompt(), PROMPT_EXCERPT);
                out.printf(Locale.ROOT, "%3d  %.4f  %-" + Math.max(1, width) + "s  %s%n", i + 1, h.score(),
                        displayPath(h.path()), text);
            }
        }
        out.flush();
    }

    /** Characters of a prompt shown per hit. */
    static final int PROMPT_EXCERPT = 70;

    /**
     * A stored path as the user typed it: relative when under the working folder, else as stored; control
     * characters escaped, so a file name with a newline cannot split a hit over two lines.
     */
    static String displayPath(String stored) {
        Path path = Path.of(stored);
        Path here = Path.of("").toAbsolutePath();
        return printable(path.isAbsolute() && path.startsWith(here) ? here.relativize(path).toString() : stored);
    }

    /** {@code text} with control characters (C0, DEL, C1, line and paragraph separators) as escapes. */
    static String printable(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean control = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == '\u2028' || c == '\u2029';
            if (control && out == null) {
                out = new StringBuilder(text.length() + 8).append(text, 0, i);
            }
            if (out != null) {
                if (!control) {
                    out.append(c);
                } else if (c == '\n') {
                    out.append("\\n");
                } else if (c == '\r') {
                    out.append("\\r");
                } else if (c == '\t') {
                    out.append("\\t");
                } else {
                    out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
                }
            }
        }
        return out == null ? text : out.toString();
    }

    /** The first {@code max} characters of {@code text} on one line, "..." marking a cut. */
    static String excerpt(String text, int max) {
        String line = text.replaceAll("\\s+", " ").strip();
        return line.length() <= max ? line : line.substring(0, max - 3).stripTrailing() + "...";
    }

    /** How a slot is named in headings: name, modality, dimension and encoder. */
    static String describe(SlotSpec s) {
        return QuerySlots.describe(s);
    }

    @Override
    public void close() {
        sdembed.close();
    }
}
