package dev.sdembed.cli;

import dev.sdembed.Checks;
import dev.sdembed.image.ClipPreprocessConfig;
import dev.sdembed.image.ClipPreprocessor;
import dev.sdembed.image.ImageDecoder;
import dev.sdembed.image.ImageHeader;
import dev.sdembed.image.PixelTensor;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "preprocess", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed preprocess 00042-1234567890.png --size 224 --out pixels.f32"},
        description = "Decodes an image and writes the CLIP model input (Hugging Face CLIPImageProcessor with Pillow,"
                + " reproduced exactly) as float32 little-endian, C order [3, N, N].")
public final class PreprocessCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IMAGE", description = "A PNG, JPEG or WebP file.")
    Path image;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "Where to write the tensor.")
    Path out;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    static final class Source {
        @Option(names = "--size", paramLabel = "N",
                description = "CLIP's defaults at N pixels (224 for ViT-L/14, ViT-H/14 and ViT-bigG/14).")
        Integer size;

        @Option(names = "--model-dir", paramLabel = "DIR",
                description = "Read the settings from DIR/preprocessor_config.json.")
        Path modelDir;
    }

    @Override
    public Integer call() throws IOException {
        ClipPreprocessConfig config;
        if (source.size != null) {
            config = ClipPreprocessConfig.clipDefaults(Checks.positive("--size", source.size));
        } else {
            config = ClipPreprocessConfig.fromPreprocessorConfig(source.modelDir.resolve("preprocessor_config.json"));
        }
        ImageDecoder decoder = ImageDecoder.defaults();
        ImageHeader header = decoder.readHeader(image);
        PixelTensor tensor = ClipPreprocessor.of(config).preprocess(decoder.decode(image));
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (OutputStream stream = Files.newOutputStream(out)) {
            tensor.writeLittleEndian(stream);
        }
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("image", image.toString());
        json.put("format", header.format().name().toLowerCase(Locale.ROOT));
        json.put("width", header.width());
        json.put("height", header.height());
        json.put("out", out.toString());
        json.put("shape", tensor.shape());
        spec.commandLine().getOut().println(Json.line(json));
        spec.commandLine().getOut().flush();
        return ExitCodes.OK;
    }
}
