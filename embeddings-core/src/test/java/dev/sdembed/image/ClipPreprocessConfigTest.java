package dev.sdembed.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClipPreprocessConfigTest {
    @TempDir
    Path dir;

    @Test
    void defaultsAreClips() {
        ClipPreprocessConfig c = ClipPreprocessConfig.clipDefaults();
        assertThat(c.doResize()).isTrue();
        assertThat(c.shortestEdge()).isEqualTo(224);
        assertThat(c.resample()).isEqualTo(ResampleFilter.BICUBIC);
        assertThat(c.doCenterCrop()).isTrue();
        assertThat(c.cropHeight()).isEqualTo(224);
        assertThat(c.cropWidth()).isEqualTo(224);
        assertThat(c.doRescale()).isTrue();
        assertThat(c.rescaleFactor()).isEqualTo(1 / 255.0);
        assertThat(c.doNormalize()).isTrue();
        assertThat(c.mean()).containsExactly(0.48145466f, 0.4578275f, 0.40821073f);
        assertThat(c.std()).containsExactly(0.26862954f, 0.26130258f, 0.27577711f);
        assertThat(c.outputHeight()).isEqualTo(224);
        assertThat(ClipPreprocessConfig.clipDefaults(336).outputWidth()).isEqualTo(336);
    }

    @Test
    void readsTheHuggingFaceFormatOfClipVitLarge() throws IOException {
        // openai/clip-vit-large-patch14-336 style (transformers >= 4.27).
        Path file = write("""
                {"crop_size": {"height": 336, "width": 336}, "do_center_crop": true, "do_convert_rgb": true,
                 "do_normalize": true, "do_rescale": true, "do_resize": true,
                 "image_mean": [0.48145466, 0.4578275, 0.40821073], "image_processor_type": "CLIPImageProcessor",
                 "image_std": [0.26862954, 0.26130258, 0.27577711], "resample": 3, "rescale_factor": 0.00392156862745098,
                 "size": {"shortest_edge": 336}}
                """);
        ClipPreprocessConfig c = ClipPreprocessConfig.fromPreprocessorConfig(file);
        assertThat(c).isEqualTo(ClipPreprocessConfig.clipDefaults(336));
    }

    @Test
    void readsSdembedsLongEdgeRoundingAndRefusesAnUnknownOne() throws IOException {
        assertThat(ClipPreprocessConfig.clipDefaults().longEdgeRounding())
                .isEqualTo(ClipPreprocessConfig.LongEdgeRounding.TRANSFORMERS);
        Path immich = write("{\"size\": {\"shortest_edge\": 224}, \"sdembed_long_edge_rounding\": \"immich\"}");
        ClipPreprocessConfig c = ClipPreprocessConfig.fromPreprocessorConfig(immich);
        assertThat(c.longEdgeRounding()).isEqualTo(ClipPreprocessConfig.LongEdgeRounding.IMMICH);
        assertThat(c).isNotEqualTo(ClipPreprocessConfig.clipDefaults());
        assertThat(c.toString()).contains("shortest edge 224 (IMMICH rounding)");
        Path bad = write("{\"sdembed_long_edge_rounding\": \"numpy\"}");
        assertThatThrownBy(() -> ClipPreprocessConfig.fromPreprocessorConfig(bad))
                .isInstanceOf(ModelLoadException.class)
                .hasMessage("Preprocessor config " + bad + ": field 'sdembed_long_edge_rounding' must be"
                        + " \"transformers\" or \"immich\"; got \"numpy\"");
    }

    @Test
    void readsTheOlderFeatureExtractorFormatWithPlainIntegers() throws IOException {
        Path file = write("""
                {"crop_size": 224, "do_center_crop": true, "do_normalize": true, "do_resize": true,
                 "feature_extractor_type": "CLIPFeatureExtractor", "image_mean": [0.5, 0.5, 0.5],
                 "image_std": [0.5, 0.5, 0.5], "resample": 2, "size": 256}
                """);
        ClipPreprocessConfig c = ClipPreprocessConfig.fromPreprocessorConfig(file);
        assertThat(c.shortestEdge()).isEqualTo(256);
        assertThat(c.cropHeight()).isEqualTo(224);
        assertThat(c.resample()).isEqualTo(ResampleFilter.BILINEAR);
        assertThat(c.mean()).containsExactly(0.5f, 0.5f, 0.5f);
        assertThat(c.rescaleFactor()).isEqualTo(1 / 255.0);
    }

    @Test
    void readsAnExactResize() throws IOException {
        ClipPreprocessConfig c = ClipPreprocessConfig.fromPreprocessorConfig(
                write("{\"size\": {\"height\": 240, \"width\": 320}, \"do_center_crop\": false}"));
        assertThat(c.resizeHeight()).isEqualTo(240);
        assertThat(c.resizeWidth()).isEqualTo(320);
        assertThat(c.shortestEdge()).isZero();
        assertThat(c.outputHeight()).isEqualTo(240);
        assertThat(c.outputWidth()).isEqualTo(320);
    }

    @Test
    void namesTheFileAndFieldOfEveryError() throws IOException {
        assertError("{\"image_mean\": [0.5, 0.5]}",
                "field 'image_mean' must be an array of 3 numbers (R, G, B); got [0.5,0.5]");
        assertError("{\"size\": \"big\"}", "field 'size' must be an integer, {\"shortest_edge\": n} or");
        assertError("{\"size\": {\"shortest_edge\": 224, \"longest_edge\": 1000}}",
                "only a plain shortest_edge is supported");
        assertError("{\"crop_size\": {\"height\": 224}}", "field 'crop_size' must be an integer or");
        assertError("{\"resample\": 0}", "Unsupported resampling filter 0");
        assertError("{\"do_resize\": \"yes\"}", "field 'do_resize' must be true or false; got \"yes\"");
        assertError("{\"image_std\": [0.5, 0, 0.5]}", "std must not contain 0");
        assertError("[1, 2]", "is not a JSON object");
        assertError("{not json", "Cannot read preprocessor config");
        Path missing = dir.resolve("missing.json");
        assertThatThrownBy(() -> ClipPreprocessConfig.fromPreprocessorConfig(missing))
                .isInstanceOf(ModelLoadException.class).hasMessage("Preprocessor config " + missing + " does not exist");
    }

    @Test
    void builderRejectsImpossibleValues() {
        assertThatThrownBy(() -> ClipPreprocessConfig.builder().shortestEdge(0))
                .isInstanceOf(InvalidInputException.class).hasMessage("shortestEdge is 0; expected at least 1");
        assertThatThrownBy(() -> ClipPreprocessConfig.builder().mean(1f, 2f))
                .hasMessage("mean needs 3 values (R, G, B); got [1.0, 2.0]");
        assertThatThrownBy(() -> ClipPreprocessConfig.builder().rescaleFactor(Double.NaN))
                .hasMessage("rescaleFactor is NaN; expected a finite number above 0");
        assertThatThrownBy(() -> ClipPreprocessConfig.builder().doCenterCrop(false).build().outputHeight())
                .hasMessageContaining("gives each image its own size");
    }

    @Test
    void toBuilderRoundTrips() {
        ClipPreprocessConfig c = ClipPreprocessConfig.builder().shortestEdge(300).cropSize(280, 290)
                .resample(ResampleFilter.LANCZOS).mean(0.1f, 0.2f, 0.3f).std(1f, 2f, 3f).doRescale(false).build();
        assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
        assertThat(c.toBuilder().cropSize(10).build()).isNotEqualTo(c);
    }

    private void assertError(String json, String message) throws IOException {
        Path file = write(json);
        assertThatThrownBy(() -> ClipPreprocessConfig.fromPreprocessorConfig(file))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(message);
    }

    private Path write(String json) throws IOException {
        Path file = Files.createTempFile(dir, "preprocessor_config", ".json");
        Files.writeString(file, json);
        return file;
    }
}
