package dev.sdembed.metadata;

import dev.sdembed.Checks;
import dev.sdembed.metadata.internal.ReadLimits;
import dev.sdembed.metadata.internal.StandardMetadataReader;

/** Factories for {@link MetadataReader}s. */
public final class MetadataReaders {

    /** Default for {@link Builder#maxTextBytes(int)}: 16 MiB. */
    public static final int DEFAULT_MAX_TEXT_BYTES = 16 * 1024 * 1024;
    /** Default for {@link Builder#maxJsonDepth(int)}: 100 levels. */
    public static final int DEFAULT_MAX_JSON_DEPTH = 100;

    private static final MetadataReader STANDARD = builder().build();

    private MetadataReaders() {
    }

    /**
     * The reader for PNG (tEXt, zTXt, iTXt, eXIf chunks; alpha/RGB "stealth" parameters), JPEG and WebP (EXIF
     * UserComment, ImageDescription, Make; JPEG comments) from A1111/Forge/reForge/SD.Next, ComfyUI, NovelAI,
     * InvokeAI, SwarmUI, Fooocus, RuinedFooocus, EasyDiffusion, Stability Matrix, TensorArt and Civitai, with the
     * default limits. Thread-safe and shareable.
     */
    public static MetadataReader standard() {
        return STANDARD;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Limits and options of the standard reader. */
    public static final class Builder {
        private int maxTextBytes = DEFAULT_MAX_TEXT_BYTES;
        private int maxJsonDepth = DEFAULT_MAX_JSON_DEPTH;
        private boolean stealthPngInfo = true;

        private Builder() {
        }

        /**
         * The largest metadata text read from a file, before or after decompression (default 16 MiB). A larger text
         * chunk is skipped with a warning, without being loaded; a larger EXIF block is an error.
         */
        public Builder maxTextBytes(int bytes) {
            this.maxTextBytes = Checks.atLeast("maxTextBytes", bytes, 1024);
            return this;
        }

        /** The deepest JSON nesting accepted in metadata (default 100); deeper documents are rejected unread. */
        public Builder maxJsonDepth(int depth) {
            this.maxJsonDepth = Checks.inRange("maxJsonDepth", depth, 8, 10_000);
            return this;
        }

        /**
         * Whether PNGs without text metadata are searched for parameters hidden in the pixels' least significant
         * bits (the A1111 "stealth pnginfo" extension, also used by NovelAI). Default true. Costs one pixel decode
         * of each such PNG.
         */
        public Builder stealthPngInfo(boolean enabled) {
            this.stealthPngInfo = enabled;
            return this;
        }

        public MetadataReader build() {
            return new StandardMetadataReader(new ReadLimits(maxTextBytes, maxJsonDepth, stealthPngInfo));
        }
    }
}
