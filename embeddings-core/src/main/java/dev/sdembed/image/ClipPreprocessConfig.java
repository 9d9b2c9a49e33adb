package dev.sdembed.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.sdembed.Checks;
import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import dev.sdembed.io.JsonTrees;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * The settings of Hugging Face's {@code CLIPImageProcessor}: resize (shortest edge, or an exact size), centre crop,
 * rescale, normalise. Defaults are CLIP's (224 pixels, bicubic, OpenAI's mean and std), which OpenCLIP's ViT-H/14
 * and ViT-bigG/14 use too. Immutable; build with {@link #builder()} or read a model's
 * {@code preprocessor_config.json} with {@link #fromPreprocessorConfig(Path)}.
 */
public final class ClipPreprocessConfig {
    /**
     * The key of {@code preprocessor_config.json} naming the {@link LongEdgeRounding} (sdembed's own; transformers
     * ignores it): {@code "immich"} for models whose publisher resizes as Immich does.
     */
    public static final String LONG_EDGE_ROUNDING_KEY = "sdembed_long_edge_rounding";

    /**
     * How a shortest-edge resize computes the other edge, whose exact value decides every resized pixel. The two
     * formulas differ by one pixel for a few aspect ratios (e.g. 7 x 61 at 224: 1952 against 1951).
     */
    public enum LongEdgeRounding {
        /** transformers' {@code get_resize_output_image_size}: {@code int(size * long / short)}. */
        TRANSFORMERS,
        /**
         * Immich's {@code resize_pil} ({@code immich_ml/models/transforms.py}): {@code int(long / short * size)}, the
         * ratio rounded to a double first.
         */
        IMMICH
    }

    private static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    private static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};
    /** CLIP's input size: ViT-L/14, ViT-H/14 and ViT-bigG/14 all take 224 x 224. */
    public static final int CLIP_SIZE = 224;

    private final boolean doResize;
    private final int shortestEdge;
    private final int resizeHeight;
    private final int resizeWidth;
    private final ResampleFilter resample;
    private final LongEdgeRounding longEdgeRounding;
    private final boolean doCenterCrop;
    private final int cropHeight;
    private final int cropWidth;
    private final boolean doRescale;
    private final double rescaleFactor;
    private final boolean doNormalize;
    private final float[] mean;
    private final float[] std;

    private ClipPreprocessConfig(Builder b) {
        this.doResize = b.doResize;
        this.shortestEdge = b.shortestEdge;
        this.resizeHeight = b.resizeHeight;
        this.resizeWidth = b.resizeWidth;
        this.resample = b.resample;
        this.longEdgeRounding = b.longEdgeRounding;
        this.doCenterCrop = b.doCenterCrop;
        this.cropHeight = b.cropHeight;
        this.cropWidth = b.cropWidth;
        this.doRescale = b.doRescale;
        this.rescaleFactor = b.rescaleFactor;
        this.doNormalize = b.doNormalize;
        this.mean = b.mean.clone();
        this.std = b.std.clone();
    }

    /** CLIP's defaults at 224 pixels. */
    public static ClipPreprocessConfig clipDefaults() {
        return builder().build();
    }

    /** CLIP's defaults with the shortest edge resized to {@code size} and an {@code size x size} centre crop. */
    public static ClipPreprocessConfig clipDefaults(int size) {
        return builder().shortestEdge(size).cropSize(size).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.doResize = doResize;
        b.shortestEdge = shortestEdge;
        b.resizeHeight = resizeHeight;
        b.resizeWidth = resizeWidth;
        b.resample = resample;
        b.longEdgeRounding = longEdgeRounding;
        b.doCenterCrop = doCenterCrop;
        b.cropHeight = cropHeight;
        b.cropWidth = cropWidth;
        b.doRescale = doRescale;
        b.rescaleFactor = rescaleFactor;
        b.doNormalize = doNormalize;
        b.mean = mean.clone();
        b.std = std.clone();
        return b;
    }

    /**
     * Reads a Hugging Face {@code preprocessor_config.json}: {@code do_resize}, {@code size} (an integer or
     * {@code {"shortest_edge": n}}, both meaning the shortest edge, or {@code {"height": h, "width": w}}),
     * {@code resample}, {@code do_center_crop}, {@code crop_size} (an integer or {@code {"height", "width"}}),
     * {@code do_rescale}, {@code rescale_factor}, {@code do_normalize}, {@code image_mean}, {@code image_std}, and
     * sdembed's {@value #LONG_EDGE_ROUNDING_KEY} ({@code transformers} or {@code immich}). Absent fields keep CLIP's
     * defaults; other fields are ignored.
     *
     * @throws ModelLoadException if the file is missing, not JSON, or a field has the wrong shape
     */
    public static ClipPreprocessConfig fromPreprocessorConfig(Path file) {
        JsonNode root;
        try {
            root = JsonTrees.read(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("Preprocessor config " + file + " does not exist", e);
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read preprocessor config " + file + ": " + e.getMessage(), e);
        }
        if (!root.isObject()) {
            throw new ModelLoadException("Preprocessor config " + file + " is not a JSON object");
        }
        try {
            return parse(root);
        } catch (InvalidInputException e) {
            throw new ModelLoadException("Preprocessor config " + file + ": " + e.getMessage(), e);
        }
    }

    private static ClipPreprocessConfig parse(JsonNode root) {
        Builder b = builder();
        b.doResize(bool(root, "do_resize", true));
        JsonNode size = root.get("size");
        if (size != null && !size.isNull()) {
            if (size.isInt()) {
                b.shortestEdge(size.intValue());
            } else if (size.isObject() && size.has("shortest_edge")) {
                if (size.has("longest_edge") || size.has("height") || size.has("width")) {
                    throw new InvalidInputException("field 'size' combines shortest_edge with other limits ("
                            + size + "); only a plain shortest_edge is supported");
                }
                b.shortestEdge(integer(size, "shortest_edge", "size.shortest_edge"));
            } else if (size.isObject() && size.has("height") && size.has("width")) {
                b.resizeTo(integer(size, "height", "size.height"), integer(size, "width", "size.width"));
            } else {
                throw new InvalidInputException("field 'size' must be an integer, {\"shortest_edge\": n} or "
                        + "{\"height\": h, \"width\": w}; got " + size);
            }
        }
        JsonNode resample = root.get("resample");
        if (resample != null && !resample.isNull()) {
            if (!resample.isInt()) {
                throw new InvalidInputException("field 'resample' must be a Pillow filter code; got " + resample);
            }
            b.resample(ResampleFilter.fromPillowCode(resample.intValue()));
        }
        JsonNode rounding = root.get(LONG_EDGE_ROUNDING_KEY);
        if (rounding != null && !rounding.isNull()) {
            try {
                b.longEdgeRounding(LongEdgeRounding.valueOf(rounding.asText("").toUpperCase(Locale.ROOT)));
            } catch (IllegalArgumentException e) {
                throw new InvalidInputException("field '" + LONG_EDGE_ROUNDING_KEY + "' must be \"transformers\" or"
                        + " \"immich\"; got " + rounding);
            }
        }
        b.doCenterCrop(bool(root, "do_center_crop", true));
        JsonNode crop = root.get("crop_size");
        if (crop != null && !crop.isNull()) {
            if (crop.isInt()) {
                b.cropSize(crop.intValue());
            } else if (crop.isObject() && crop.has("height") && crop.has("width")) {
                b.cropSize(integer(crop, "height", "crop_size.height"), integer(crop, "width", "crop_size.width"));
            } else {
                throw new InvalidInputException("field 'crop_size' must be an integer or {\"height\": h, "
                        + "\"width\": w}; got " + crop);
            }
        }
        b.doRescale(bool(root, "do_rescale", true));
        JsonNode factor = root.get("rescale_factor");
        if (factor != null && !factor.isNull()) {
            if (!factor.isNumber()) {
                throw new InvalidInputException("field 'rescale_factor' must be a number; got " + factor);
            }
            b.rescaleFactor(factor.doubleValue());
        }
        b.doNormalize(bool(root, "do_normalize", true));
        if (root.hasNonNull("image_mean")) {
            b.mean(triple(root.get("image_mean"), "image_mean"));
        }
        if (root.hasNonNull("image_std")) {
            b.std(triple(root.get("image_std"), "image_std"));
        }
        return b.build();
    }

    private static boolean bool(JsonNode root, String field, boolean fallback) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw new InvalidInputException("field '" + field + "' must be true or false; got " + node);
        }
        return node.booleanValue();
    }

    private static int integer(JsonNode parent, String field, String path) {
        JsonNode node = parent.get(field);
        if (node == null || !node.isInt()) {
            throw new InvalidInputException("field '" + path + "' must be an integer; got " + node);
        }
        return node.intValue();
    }

    private static float[] triple(JsonNode node, String field) {
        if (!node.isArray() || node.size() != 3) {
            throw new InvalidInputException("field '" + field + "' must be an array of 3 numbers (R, G, B); got "
                    + node);
        }
        float[] values = new float[3];
        for (int i = 0; i < 3; i++) {
            if (!node.get(i).isNumber()) {
                throw new InvalidInputException("field '" + field + "' must be an array of 3 numbers; got " + node);
            }
            values[i] = node.get(i).floatValue();
        }
        return values;
    }

    public boolean doResize() {
        return doResize;
    }

    /** The length the shortest edge is resized to, or 0 when resizing to an exact size. */
    public int shortestEdge() {
        return shortestEdge;
    }

    /** The exact resize height, or 0 when resizing by the shortest edge. */
    public int resizeHeight() {
        return resizeHeight;
    }

    /** The exact resize width, or 0 when resizing by the shortest edge. */
    public int resizeWidth() {
        return resizeWidth;
    }

    public ResampleFilter resample() {
        return resample;
    }

    public LongEdgeRounding longEdgeRounding() {
        return longEdgeRounding;
    }

    public boolean doCenterCrop() {
        return doCenterCrop;
    }

    public int cropHeight() {
        return cropHeight;
    }

    public int cropWidth() {
        return cropWidth;
    }

    public boolean doRescale() {
        return doRescale;
    }

    public double rescaleFactor() {
        return rescaleFactor;
    }

    public boolean doNormalize() {
        return doNormalize;
    }

    /** Per-channel mean (R, G, B), a copy. */
    public float[] mean() {
        return mean.clone();
    }

    /** Per-channel standard deviation (R, G, B), a copy. */
    public float[] std() {
        return std.clone();
    }

    /** Whether every image comes out at the same size (a centre crop or an exact resize): what a model needs. */
    public boolean hasFixedOutputSize() {
        return doCenterCrop || doResize && shortestEdge == 0;
    }

    /** The output height for every image; see {@link #hasFixedOutputSize()}. */
    public int outputHeight() {
        requireFixedSize();
        return doCenterCrop ? cropHeight : resizeHeight;
    }

    /** The output width for every image; see {@link #hasFixedOutputSize()}. */
    public int outputWidth() {
        requireFixedSize();
        return doCenterCrop ? cropWidth : resizeWidth;
    }

    private void requireFixedSize() {
        if (!hasFixedOutputSize()) {
            throw new InvalidInputException("Preprocessing without a centre crop or exact resize gives each image "
                    + "its own size: " + this);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClipPreprocessConfig c && c.doResize == doResize && c.shortestEdge == shortestEdge
                && c.resizeHeight == resizeHeight && c.resizeWidth == resizeWidth && c.resample == resample
                && c.longEdgeRounding == longEdgeRounding && c.doCenterCrop == doCenterCrop
                && c.cropHeight == cropHeight && c.cropWidth == cropWidth
                && c.doRescale == doRescale && Double.compare(c.rescaleFactor, rescaleFactor) == 0
                && c.doNormalize == doNormalize && Arrays.equals(c.mean, mean) && Arrays.equals(c.std, std);
    }

    @Override
    public int hashCode() {
        return Objects.hash(doResize, shortestEdge, resizeHeight, resizeWidth, resample, longEdgeRounding, doCenterCrop,
                cropHeight,
                cropWidth, doRescale, rescaleFactor, doNormalize, Arrays.hashCode(mean), Arrays.hashCode(std));
    }

    @Override
    public String toString() {
        String resize = !doResize ? "none" : shortestEdge > 0 ? "shortest edge " + shortestEdge
                + (longEdgeRounding == LongEdgeRounding.TRANSFORMERS ? "" : " (" + longEdgeRounding + " rounding)")
                : resizeWidth + "x" + resizeHeight;
        return String.format(Locale.ROOT, "ClipPreprocessConfig[resize=%s %s, crop=%s, rescale=%s, normalize=%s "
                        + "mean=%s std=%s]", resize, resample, doCenterCrop ? cropWidth + "x" + cropHeight : "none",
                doRescale ? rescaleFactor : "none", doNormalize, Arrays.toString(mean), Arrays.toString(std));
    }

    /** Builder; every setter documents its default. */
    public static final class Builder {
        private boolean doResize = true;
        private int shortestEdge = CLIP_SIZE;
        private int resizeHeight;
        private int resizeWidth;
        private ResampleFilter resample = ResampleFilter.BICUBIC;
        private LongEdgeRounding longEdgeRounding = LongEdgeRounding.TRANSFORMERS;
        private boolean doCenterCrop = true;
        private int cropHeight = CLIP_SIZE;
        private int cropWidth = CLIP_SIZE;
        private boolean doRescale = true;
        private double rescaleFactor = 1 / 255.0;
        private boolean doNormalize = true;
        private float[] mean = CLIP_MEAN.clone();
        private float[] std = CLIP_STD.clone();

        private Builder() {
        }

        /** Whether to resize at all. Default true. */
        public Builder doResize(boolean doResize) {
            this.doResize = doResize;
            return this;
        }

        /** Resize so the shortest edge is {@code size}, the other {@code int(size * long / short)}. Default 224. */
        public Builder shortestEdge(int size) {
            this.shortestEdge = Checks.positive("shortestEdge", size);
            this.resizeHeight = 0;
            this.resizeWidth = 0;
            return this;
        }

        /** Resize to exactly {@code height x width} instead of by the shortest edge. */
        public Builder resizeTo(int height, int width) {
            this.resizeHeight = Checks.positive("resize height", height);
            this.resizeWidth = Checks.positive("resize width", width);
            this.shortestEdge = 0;
            return this;
        }

        /** The resampling filter. Default {@link ResampleFilter#BICUBIC}. */
        public Builder resample(ResampleFilter resample) {
            this.resample = Objects.requireNonNull(resample, "resample");
            return this;
        }

        /** How a shortest-edge resize computes the other edge. Default {@link LongEdgeRounding#TRANSFORMERS}. */
        public Builder longEdgeRounding(LongEdgeRounding rounding) {
            this.longEdgeRounding = Objects.requireNonNull(rounding, "longEdgeRounding");
            return this;
        }

        /** Whether to centre-crop. Default true. */
        public Builder doCenterCrop(boolean doCenterCrop) {
            this.doCenterCrop = doCenterCrop;
            return this;
        }

        /** A square centre crop. Default 224. */
        public Builder cropSize(int size) {
            return cropSize(size, size);
        }

        /** The centre crop size. Default 224 x 224. */
        public Builder cropSize(int height, int width) {
            this.cropHeight = Checks.positive("crop height", height);
            this.cropWidth = Checks.positive("crop width", width);
            return this;
        }

        /** Whether to multiply by {@link #rescaleFactor(double)}. Default true. */
        public Builder doRescale(boolean doRescale) {
            this.doRescale = doRescale;
            return this;
        }

        /** Default 1/255. */
        public Builder rescaleFactor(double rescaleFactor) {
            this.rescaleFactor = Checks.positive("rescaleFactor", rescaleFactor);
            return this;
        }

        /** Whether to subtract the mean and divide by the std. Default true. */
        public Builder doNormalize(boolean doNormalize) {
            this.doNormalize = doNormalize;
            return this;
        }

        /** Per-channel mean, R, G, B. Default CLIP's [0.48145466, 0.4578275, 0.40821073]. */
        public Builder mean(float... mean) {
            this.mean = channels(mean, "mean");
            return this;
        }

        /** Per-channel std, R, G, B; non-zero. Default CLIP's [0.26862954, 0.26130258, 0.27577711]. */
        public Builder std(float... std) {
            float[] values = channels(std, "std");
            for (float v : values) {
                if (v == 0) {
                    throw new InvalidInputException("std must not contain 0; got " + Arrays.toString(values));
                }
            }
            this.std = values;
            return this;
        }

        public ClipPreprocessConfig build() {
            return new ClipPreprocessConfig(this);
        }

        private static float[] channels(float[] values, String name) {
            if (values == null || values.length != 3) {
                throw new InvalidInputException(name + " needs 3 values (R, G, B); got "
                        + (values == null ? "null" : Arrays.toString(values)));
            }
            for (float v : values) {
                if (!Float.isFinite(v)) {
                    throw new InvalidInputException(name + " must be finite; got " + Arrays.toString(values));
                }
            }
            return values.clone();
        }
    }
}
