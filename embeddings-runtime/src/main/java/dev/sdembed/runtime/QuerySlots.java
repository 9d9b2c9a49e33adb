package dev.sdembed.runtime;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Modality;
import dev.sdembed.encoder.TextEncoder;
import dev.sdembed.metadata.GenerationMetadata;
import dev.sdembed.metadata.MetadataReaders;
import dev.sdembed.store.SearchQuery;
import dev.sdembed.store.SlotSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Which of the loaded slots a query uses, decided once for every front end (the command line's search, similar and
 * duplicates, the server's API), so that they pick the same slot and say the same thing when none fits.
 */
public final class QuerySlots {
    private final LoadedSlots slots;

    public QuerySlots(LoadedSlots slots) {
        this.slots = slots;
    }

    /** A text slot and an image slot in one embedding space: text-to-image search. */
    public record Pair(SlotSpec text, SlotSpec image) {
    }

    public List<SlotSpec> specs() {
        return slots.specs();
    }

    /** {@code requested} if given (it must exist and have {@code modality}), else the first slot of the modality. */
    public Optional<SlotSpec> slot(String requested, Modality modality) {
        if (requested != null) {
            SlotSpec s = specs().stream().filter(x -> x.name().equals(requested)).findFirst()
                    .orElseThrow(() -> new InvalidInputException("Unknown slot '" + requested
                            + "'; this store has slots " + specs().stream().map(SlotSpec::name).toList()));
            if (modality != null && s.modality() != modality) {
                throw new InvalidInputException("Slot '" + requested + "' is a " + name(s.modality())
                        + " slot; this needs a " + name(modality) + " slot");
            }
            return Optional.of(s);
        }
        return specs().stream().filter(s -> modality == null || s.modality() == modality).findFirst();
    }

    /** The text slot a prompt search embeds with: {@code requested}, else the first text slot. */
    public SlotSpec textSlot(String requested, String what) {
        return slot(requested, Modality.TEXT).orElseThrow(() -> new InvalidInputException(
                "No text slot configured; " + what + " needs one"));
    }

    /** The first image slot, if any: whether pixels can be compared at all. */
    public Optional<SlotSpec> imageSlot() {
        return slot(null, Modality.IMAGE);
    }

    /**
     * The slot images are compared in: {@code requested} when given, else the first image slot (pixels), else the
     * first text slot (prompts).
     */
    public SlotSpec comparedSlot(String requested, String what) {
        if (requested != null) {
            return slot(requested, null).orElseThrow();
        }
        return slot(null, Modality.IMAGE).or(() -> slot(null, Modality.TEXT))
                .orElseThrow(() -> new InvalidInputException("No slot configured; " + what + " needs an image"
                        + " slot (a CLIP vision model in --config) or a text slot"));
    }

    /**
     * The text slot ({@code requested}, else each in turn) and the image slot sharing its embedding space, for a
     * search of the pixels by a text; an error naming every slot and its space when no such pair is configured.
     */
    public Pair textToImage(String requested, String what) {
        List<SlotSpec> images = specs().stream().filter(s -> s.modality() == Modality.IMAGE).toList();
        List<SlotSpec> texts = requested != null ? List.of(slot(requested, Modality.TEXT).orElseThrow())
                : specs().stream().filter(s -> s.modality() == Modality.TEXT).toList();
        for (SlotSpec t : texts) {
            for (SlotSpec i : images) {
                if (t.comparableWith(i)) {
                    return new Pair(t, i);
                }
            }
        }
        throw new InvalidInputException(what + " needs a text slot and an image slot in one embedding space"
                + " (a CLIP text and vision pair whose sdembed.json declare the same embedding_space); configured: "
                + specs().stream().map(s -> s.name() + " (" + name(s.modality())
                + (s.embeddingSpace() == null ? "" : ", " + s.embeddingSpace()) + ")").toList());
    }

    /** Whether a text slot and an image slot share an embedding space. */
    public boolean hasTextToImage() {
        try {
            textToImage(null, "");
            return true;
        } catch (InvalidInputException e) {
            return false;
        }
    }

    /**
     * A query for a text, embedded now as a search query by {@code slot}'s encoder: here rather than by the store, so
     * that with {@link Sdembed.Usage#QUERIES} the encoder loads while the store is still opening.
     */
    public SearchQuery text(SlotSpec slot, String text) {
        TextEncoder encoder = slots.textEncoders().get(slot.name());
        SearchQuery.text(slot.name(), text, encoder); // refuses a blank text or a missing encoder, naming the slot
        return SearchQuery.vector(slot.name(), encoder.embedQuery(text));
    }

    /**
     * The images like a file that is not in the store: by its pixels in an image slot, by the prompt its metadata
     * holds in a text slot (an error saying so when it has none).
     */
    public SearchQuery likeFile(SlotSpec slot, Path file, String shownAs) {
        if (slot.modality() == Modality.IMAGE) {
            return SearchQuery.imageFile(slot.name(), file, slots.imageEncoders().get(slot.name()));
        }
        GenerationMetadata m = MetadataReaders.standard().read(file);
        if (!m.hasPrompt() || m.prompt().isBlank()) {
            throw new InvalidInputException("Image " + shownAs + " has no prompt in its metadata (generator: "
                    + m.generator().id() + "), and similar by pixels needs an image slot (a CLIP vision model in"
                    + " --config)");
        }
        return SearchQuery.vector(slot.name(), slots.textEncoders().get(slot.name()).embed(m.prompt()));
    }

    /** How a slot is named in headings: name, modality, dimension and encoder. */
    public static String describe(SlotSpec s) {
        return s.name() + " (" + name(s.modality()) + ", " + s.dimension() + "-d, " + s.encoderName() + ")";
    }

    private static String name(Modality m) {
        return m.name().toLowerCase(Locale.ROOT);
    }
}
