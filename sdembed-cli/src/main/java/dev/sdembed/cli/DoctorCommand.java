package dev.sdembed.cli;

import dev.sdembed.runtime.NativeLibraryCache;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.runtime.SdembedVersion;
import dev.sdembed.runtime.SlotConfig;
import dev.sdembed.encoder.Device;
import dev.sdembed.encoder.DeviceFallback;
import dev.sdembed.onnx.ModelVerifier;
import dev.sdembed.onnx.OnnxRuntimeInfo;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code sdembed doctor}: what this machine can run. Looks at files and the runtime's provider list only, so it
 * answers in a second and never needs a GPU: the ONNX Runtime build and its providers, the CUDA/cuDNN/TensorRT
 * libraries by file name and version, the GPUs the driver shows, the JVM, and, for model directories (given or
 * named by a configuration file's slots), every problem {@link ModelVerifier} finds.
 */
@Command(name = "doctor", mixinStandardHelpOptions = true,
        footerHeading = "%nExample:%n",
        footer = {"  sdembed doctor --config sdembed.json"},
        description = {"Reports what this machine can run: ONNX Runtime providers, CUDA/cuDNN/TensorRT libraries,"
                + " GPUs, the JVM, and whether model directories (given, or the slots of --config) are valid.",
                "Says which flavour this is (ONNX Runtime's CPU or GPU build) and, on the CPU flavour with an NVIDIA"
                        + " GPU present, how to get the GPU flavour.",
                "Exit code 0 when everything asked about is usable, 1 otherwise."})
public final class DoctorCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "MODEL_DIR", arity = "0..*", description = "Model directories to verify.")
    List<Path> models = new ArrayList<>();

    @Option(names = "--config", paramLabel = "FILE",
            description = "A configuration file: verify each slot's model and check its device.")
    Path config;

    @Option(names = "--json", description = "One JSON object instead of the human-readable report.")
    boolean json;

    @Override
    public Integer call() {
        Map<String, Object> report = new LinkedHashMap<>();
        boolean usable = true;

        OnnxRuntimeInfo info = OnnxRuntimeInfo.probe();
        report.put("onnxruntime", runtime(info));
        report.put("libraries", info.libraries().stream().map(DoctorCommand::library).toList());
        report.put("gpus", info.gpus());
        report.put("jvm", jvm());
        // The platform of the release archive this runs from (its launcher says), or null for a build from sources.
        report.put("archive_platform", System.getProperty(ReleasePlatform.PROPERTY));
        // Where the native libraries loaded from: the cache, else null (each library copies its own into a
        // temporary folder on every start).
        report.put("native_libraries", NativeLibraryCache.loadedFrom());
        report.put("can_run", canRun());
        report.put("gpu_flavour_hint", gpuFlavourHint(info.flavour(), info.gpus(), nvidiaSmi(System.getenv("PATH")),
                SdembedVersion.current().version(), ReleasePlatform.current()));

        List<Map<String, Object>> modelReports = new ArrayList<>();
        List<Map<String, Object>> slots = new ArrayList<>();
        for (Path dir : models) {
            Map<String, Object> m = verify(null, dir);
            usable &= (Boolean) m.get("ok");
            modelReports.add(m);
        }
        if (config != null) {
            for (SlotConfig slot : SdembedConfig.read(config).slots()) {
                Map<String, Object> m = verify(slot.name(), slot.model());
                usable &= (Boolean) m.get("ok");
                modelReports.add(m);
                Map<String, Object> s = device(slot);
                usable &= (Boolean) s.get("ok");
                slots.add(s);
            }
        }
        report.put("models", modelReports);
        if (config != null) {
            report.put("devices", slots);
        }
        report.put("usable", usable);

        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.line(report));
        } else {
            printHuman(out, report);
        }
        out.flush();
        return usable ? ExitCodes.OK : ExitCodes.COMPLETED_WITH_FAILURES;
    }

    /**
     * On the CPU flavour with an NVIDIA GPU in sight (the driver's GPU list, or {@code nvidia-smi} on the PATH, which
     * the driver installs on Linux and Windows alike), how to get the flavour that can use it; else null.
     */
    static String gpuFlavourHint(OnnxRuntimeInfo.Flavour flavour, List<String> gpus, Path nvidiaSmi, String version,
            java.util.Optional<ReleasePlatform> platform) {
        if (flavour != OnnxRuntimeInfo.Flavour.CPU || (gpus.isEmpty() && nvidiaSmi == null)) {
            return null;
        }
        String seen = gpus.isEmpty() ? "nvidia-smi is at " + nvidiaSmi : String.join("; ", gpus);
        String gpuHere = "This machine has an NVIDIA GPU (" + seen + "), which this CPU flavour of sdembed cannot use.";
        if (platform.isEmpty() || !platform.get().hasGpuFlavour()) {
            return gpuHere + " ONNX Runtime's GPU build, so sdembed's GPU flavour, is made for Linux and Windows on"
                    + " x86-64 only" + platform.map(p -> ", not " + p.id()).orElse("")
                    + ": the encoders run on the CPU.";
        }
        return gpuHere + " For GPU encoders, get the GPU flavour instead: " + platform.get().archive(version, "gpu")
                + " (it needs " + OnnxRuntimeInfo.GPU_REQUIREMENT + "); in a Java project, depend on"
                + " com.microsoft.onnxruntime:onnxruntime_gpu instead of onnxruntime (README, \"Using the SDK\").";
    }

    /** {@code nvidia-smi} (or {@code nvidia-smi.exe}) in a folder of {@code path}, or null. */
    static Path nvidiaSmi(String path) {
        if (path == null) {
            return null;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            for (String name : List.of("nvidia-smi", "nvidia-smi.exe")) {
                if (!dir.isEmpty()) {
                    Path candidate = Path.of(dir, name);
                    if (java.nio.file.Files.isRegularFile(candidate) && java.nio.file.Files.isExecutable(candidate)) {
                        return candidate;
                    }
                }
            }
        }
        return null;
    }

    private static Map<String, Object> runtime(OnnxRuntimeInfo info) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("version", info.version());
        r.put("flavour", info.flavour().name().toLowerCase(Locale.ROOT));
        r.put("providers", info.providers());
        return r;
    }

    /** Per device kind: null when usable, else why not (the same reasons a GPU slot would fail or fall back with). */
    private static Map<String, Object> canRun() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("cpu", null);
        m.put("cuda", OnnxRuntimeInfo.unavailableReason(Device.cuda(0)));
        m.put("tensorrt", OnnxRuntimeInfo.unavailableReason(new Device(Device.Kind.TENSORRT, 0)));
        return m;
    }

    private static Map<String, Object> library(OnnxRuntimeInfo.GpuLibrary lib) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", lib.name());
        m.put("needed_by", lib.neededBy());
        m.put("found", lib.found());
        m.put("path", lib.found() ? lib.path().toString() : null);
        m.put("version", lib.version());
        return m;
    }

    private static Map<String, Object> jvm() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", System.getProperty("java.version"));
        m.put("vendor", System.getProperty("java.vendor"));
        m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.arch"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("max_heap_mb", Runtime.getRuntime().maxMemory() / (1024 * 1024));
        return m;
    }

    private static Map<String, Object> verify(String slot, Path dir) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (slot != null) {
            m.put("slot", slot);
        }
        m.putAll(ModelsVerifyCommand.toJson(ModelVerifier.verify(dir)));
        return m;
    }

    private static Map<String, Object> device(SlotConfig slot) {
        Device device = Device.parse(slot.device());
        String reason = OnnxRuntimeInfo.unavailableReason(device);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("slot", slot.name());
        m.put("device", device.toString());
        m.put("available", reason == null);
        m.put("reason", reason);
        // A slot allowed to fall back still runs (on the CPU), so it does not make the machine unusable.
        m.put("ok", reason == null || slot.fallback() == DeviceFallback.CPU);
        return m;
    }

    @SuppressWarnings("unchecked")
    private static void printHuman(PrintWriter out, Map<String, Object> report) {
        Map<String, Object> ort = (Map<String, Object>) report.get("onnxruntime");
        out.println("ONNX Runtime " + ort.get("version") + " (" + ort.get("flavour") + " build), providers: "
                + String.join(", ", (List<String>) ort.get("providers")));
        out.println("gpu".equals(ort.get("flavour"))
                ? "Flavour: GPU (cuda:N devices with " + OnnxRuntimeInfo.GPU_REQUIREMENT + ", else the CPU)"
                : "Flavour: CPU (every encoder runs on the CPU)");
        List<Map<String, Object>> libs = (List<Map<String, Object>>) report.get("libraries");
        if (libs.isEmpty()) {
            out.println("GPU libraries: not probed on " + System.getProperty("os.name")
                    + " (the runtime reports them when a GPU session is opened)");
        } else {
            out.println("GPU libraries (" + OnnxRuntimeInfo.GPU_REQUIREMENT + "):");
            for (Map<String, Object> lib : libs) {
                String line = "  " + ((Boolean) lib.get("found") ? "found   " : "MISSING ")
                        + String.format(Locale.ROOT, "%-22s %-9s", lib.get("name"), lib.get("needed_by"))
                        + ((Boolean) lib.get("found") ? " " + lib.get("path")
                        + (lib.get("version") == null ? "" : " (version " + lib.get("version") + ")") : "");
                out.println(line.stripTrailing());
            }
        }
        List<String> gpus = (List<String>) report.get("gpus");
        out.println("GPUs visible to the NVIDIA driver: " + (gpus.isEmpty() ? "none" : String.join("; ", gpus)));
        Map<String, Object> jvm = (Map<String, Object>) report.get("jvm");
        out.println("JVM: Java " + jvm.get("version") + " (" + jvm.get("vendor") + ") on " + jvm.get("os") + ", "
                + jvm.get("cores") + " cores, max heap " + jvm.get("max_heap_mb") + " MB");
        out.println(report.get("archive_platform") == null ? "Installed from: a build of the sources"
                : "Installed from: the release archive for " + report.get("archive_platform"));
        ((Map<String, String>) report.get("native_libraries")).forEach((library, dir) -> out.println(
                "Native library of " + library + ": " + (dir == null ? "extracted to a temporary folder at each start"
                        : "cached in " + dir)));
        ((Map<String, Object>) report.get("can_run")).forEach((kind, reason) -> out.println("Can run on "
                + kind.toUpperCase(Locale.ROOT) + ": " + (reason == null ? "yes" : "no, " + reason)));
        if (report.get("gpu_flavour_hint") != null) {
            out.println(report.get("gpu_flavour_hint"));
        }
        for (Map<String, Object> m : (List<Map<String, Object>>) report.get("models")) {
            String who = m.containsKey("slot") ? "slot " + m.get("slot") + ": " : "";
            if ((Boolean) m.get("ok")) {
                out.println("Model " + who + m.get("directory") + ": OK (" + m.get("kind") + ", "
                        + m.get("dimension") + "-d)");
            } else {
                List<ModelVerifier.Problem> problems = (List<ModelVerifier.Problem>) m.get("problems");
                out.println("Model " + who + m.get("directory") + ": " + problems.size() + " problem(s)");
                ModelsVerifyCommand.printProblems(out, problems);
            }
        }
        if (report.containsKey("devices")) {
            for (Map<String, Object> d : (List<Map<String, Object>>) report.get("devices")) {
                out.println("Device for slot " + d.get("slot") + ": " + d.get("device") + " "
                        + ((Boolean) d.get("available") ? "available" : "UNAVAILABLE: " + d.get("reason")
                        + ((Boolean) d.get("ok") ? " (falls back to the CPU)" : "")));
            }
        }
        out.println((Boolean) report.get("usable") ? "Everything asked about is usable."
                : "Not everything asked about is usable (see above).");
    }
}
