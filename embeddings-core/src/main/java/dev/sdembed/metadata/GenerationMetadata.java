package dev.sdembed.metadata;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The generation metadata of one image, as its front-end wrote it. Every field but {@code generator},
 * {@code parameters} and {@code warnings} may be null when the file does not say.
 *
 * @param generator the front-end that wrote the metadata; {@link Generator#NONE} when there is none
 * @param prompt the positive prompt, verbatim except where a format's own reader trims it (A1111 text)
 * @param negativePrompt the negative prompt; null when the file states none, empty when it states an empty one
 * @param width generation width in pixels (before any hires-fix or upscale), not necessarily the file's
 * @param height generation height in pixels
 * @param seed the seed; a {@code long} because seeds exceed 2^53. Seeds beyond the signed 64-bit range are kept
 *     in {@code parameters} under {@code seed} with a warning
 * @param steps sampling steps of the first (base) pass
 * @param cfg classifier-free guidance scale
 * @param sampler sampler name as the front-end spells it ({@code DPM++ 2M}, {@code euler_ancestral})
 * @param model model / checkpoint name as the front-end spells it
 * @param modelHash model hash as written (short A1111 hash, SHA-256, blake3:..., ...)
 * @param parameters every other setting the file records, by the front-end's own key, insertion-ordered
 * @param rawText the metadata text the record was read from (A1111 parameters, ComfyUI prompt graph JSON, ...)
 * @param warnings what was damaged or skipped while reading (empty for a clean file)
 */
public record GenerationMetadata(
        Generator generator,
        String prompt,
        String negativePrompt,
        Integer width,
        Integer height,
        Long seed,
        Integer steps,
        Double cfg,
        String sampler,
        String model,
        String modelHash,
        Map<String, String> parameters,
        String rawText,
        List<String> warnings) {

    public GenerationMetadata {
        Objects.requireNonNull(generator, "generator");
        parameters = parameters == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** A record for an image without generation metadata, keeping what was noticed on the way. */
    public static GenerationMetadata none(List<String> warnings) {
        return new GenerationMetadata(Generator.NONE, null, null, null, null, null, null, null, null, null, null,
                Map.of(), null, warnings);
    }

    /** Whether a (possibly empty) positive prompt was found. */
    public boolean hasPrompt() {
        return prompt != null;
    }

    /** Lengths instead of texts: prompts and workflows are user data and can be megabytes long. */
    @Override
    public String toString() {
        return "GenerationMetadata[generator=" + generator
                + ", prompt=" + length(prompt)
                + ", negativePrompt=" + length(negativePrompt)
                + ", size=" + width + "x" + height
                + ", seed=" + seed + ", steps=" + steps + ", cfg=" + cfg
                + ", sampler=" + sampler + ", model=" + model
                + ", parameters=" + parameters.size()
                + ", rawText=" + length(rawText)
                + ", warnings=" + warnings.size() + "]";
    }

    private static String length(String s) {
        return s == null ? "null" : s.length() + " chars";
    }
}
