package dev.sdembed.metadata;

import java.util.Locale;

/**
 * The front-end that wrote an image's generation metadata. {@link #id()} is the stable lower-case name used in
 * JSON output and in the shared fixtures ({@code a1111}, {@code comfyui}, ...).
 */
public enum Generator {
    /** AUTOMATIC1111 stable-diffusion-webui (and writers imitating its "parameters" text without a version). */
    A1111("a1111"),
    /** Stable Diffusion WebUI Forge, Forge Classic and Forge Neo. */
    FORGE("forge"),
    /** reForge and Easy reForge. */
    REFORGE("reforge"),
    /** SD.Next. */
    SDNEXT("sdnext"),
    COMFYUI("comfyui"),
    NOVELAI("novelai"),
    INVOKEAI("invokeai"),
    SWARMUI("swarmui"),
    FOOOCUS("fooocus"),
    RUINED_FOOOCUS("ruinedfooocus"),
    EASY_DIFFUSION("easydiffusion"),
    STABILITY_MATRIX("stability-matrix"),
    TENSORART("tensorart"),
    CIVITAI("civitai"),
    /** PaddleNLP's ppdiffusers (a {@code Software: PaddleNLP} chunk with one {@code key: value} per line). */
    PADDLENLP("paddlenlp"),
    /** Recognisable generation parameters from a front-end without its own entry (e.g. a Hugging Face Space). */
    OTHER("other"),
    /** No generation metadata was found. Not an error: the image can still be embedded. */
    NONE("none");

    private final String id;

    Generator(String id) {
        this.id = id;
    }

    /** The stable lower-case identifier, e.g. {@code stability-matrix}. */
    public String id() {
        return id;
    }

    /** The generator with identifier {@code id} (case-insensitive). */
    public static Generator fromId(String id) {
        String wanted = id.toLowerCase(Locale.ROOT);
        for (Generator g : values()) {
            if (g.id.equals(wanted)) {
                return g;
            }
        }
        throw new IllegalArgumentException("Unknown generator '" + id + "'; expected one of "
                + java.util.Arrays.stream(values()).map(Generator::id).toList());
    }

    @Override
    public String toString() {
        return id;
    }
}
