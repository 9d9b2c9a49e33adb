package dev.sdembed.cli.pull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sdembed.ModelLoadException;
import dev.sdembed.image.ClipPreprocessConfig;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Immich's {@code visual/preprocess_cfg.json} (open_clip's {@code get_model_preprocess_cfg}: {@code size},
 * {@code mode}, {@code mean}, {@code std}, {@code interpolation}, {@code resize_mode}, {@code fill_color}) as the
 * Hugging Face {@code preprocessor_config.json} sdembed's {@link dev.sdembed.image.ClipPreprocessConfig} reads.
 *
 * <p>Immich's loader ({@code immich_ml/models/clip/visual.py}, {@code models/transforms.py}) decodes to RGB, then for
 * {@code resize_mode} {@code shortest} (the default of older configs) resizes the shortest edge to {@code size} with
 * Pillow and the named filter and centre-crops {@code size x size} at {@code int(w / 2 - size / 2)}, which is
 * {@code (w - size) // 2}; for {@code squash} it resizes to {@code size x size}. Then it scales by 1/255 and normalises
 * with {@code mean} and {@code std} (the opset 23 graphs do those two steps themselves). That is
 * {@code CLIPImageProcessor} with the same settings but for one detail, which the written file keeps with sdembed's
 * {@value ClipPreprocessConfig#LONG_EDGE_ROUNDING_KEY}: Immich computes the long edge as
 * {@code int(long / short * size)}, transformers as {@code int(size * long / short)}, which differ by one pixel for
 * a few aspect ratios (about 2 in 10,000 sizes up to 4096 pixels, none of Stable Diffusion's usual sizes).
 */
public final class ImmichPreprocess {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Pillow's {@code Image.Resampling} names, as Immich's {@code get_pil_resampling} looks them up. */
    private static final Map<String, Integer> RESAMPLING = Map.of("lanczos", 1, "bilinear", 2, "bicubic", 3,
            "box", 4, "hamming", 5);

    private ImmichPreprocess() {
    }

    /** The {@code preprocessor_config.json} document for Immich's {@code file}, failing with the field at fault. */
    public static ObjectNode toPreprocessorConfig(Path file) {
        JsonNode cfg;
        try {
            cfg = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read Immich's preprocessing config " + file + ": " + e.getMessage(), e);
        }
        if (cfg == null || !cfg.isObject()) {
            throw new ModelLoadException("Immich's preprocessing config " + file + " is not a JSON object");
        }
        int size = size(cfg.get("size"), file);
        String mode = cfg.path("mode").asText("RGB");
        if (!mode.equals("RGB")) {
            throw new ModelLoadException(file + ": mode is '" + mode + "'; sdembed feeds RGB");
        }
        String interpolation = cfg.path("interpolation").asText("bicubic").toLowerCase(Locale.ROOT);
        Integer resample = RESAMPLING.get(interpolation);
        if (resample == null) {
            throw new ModelLoadException(file + ": interpolation is '" + interpolation + "'; expected one of "
                    + RESAMPLING.keySet().stream().sorted().toList());
        }
        String resizeMode = cfg.path("resize_mode").asText("shortest");
        ObjectNode out = JSON.createObjectNode();
        out.put("image_processor_type", "CLIPImageProcessor");
        out.put("do_resize", true);
        switch (resizeMode) {
            case "shortest" -> {
                out.putObject("size").put("shortest_edge", size);
                out.put(ClipPreprocessConfig.LONG_EDGE_ROUNDING_KEY, "immich");
                out.put("resample", resample);
                out.put("do_center_crop", true);
            }
            case "squash" -> {
                ObjectNode exact = out.putObject("size");
                exact.put("height", size);
                exact.put("width", size);
                out.put("resample", resample);
                out.put("do_center_crop", false);
            }
            default -> throw new ModelLoadException(file + ": resize_mode is '" + resizeMode + "'; Immich (and so"
                    + " sdembed) reads shortest and squash");
        }
        ObjectNode crop = out.putObject("crop_size");
        crop.put("height", size);
        crop.put("width", size);
        out.put("do_rescale", true);
        out.put("rescale_factor", 1 / 255.0);
        out.put("do_normalize", true);
        out.set("image_mean", triple(cfg, "mean", file));
        out.set("image_std", triple(cfg, "std", file));
        out.put("do_convert_rgb", true);
        return out;
    }

    private static int size(JsonNode size, Path file) {
        if (size != null && size.isInt() && size.intValue() > 0) {
            return size.intValue();
        }
        if (size != null && size.isArray() && size.size() == 2 && size.get(0).isInt() && size.get(1).isInt()
                && size.get(0).intValue() == size.get(1).intValue() && size.get(0).intValue() > 0) {
            return size.get(0).intValue();
        }
        throw new ModelLoadException(file + ": size is " + size + "; expected a positive integer or a square [S, S]");
    }

    private static JsonNode triple(JsonNode cfg, String field, Path file) {
        JsonNode v = cfg.get(field);
        if (v == null || !v.isArray() || v.size() != 3 || !v.get(0).isNumber() || !v.get(1).isNumber()
                || !v.get(2).isNumber()) {
            throw new ModelLoadException(file + ": " + field + " is " + v + "; expected 3 numbers (R, G, B)");
        }
        return v;
    }
}
