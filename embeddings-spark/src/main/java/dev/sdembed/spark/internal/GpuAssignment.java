package dev.sdembed.spark.internal;

import dev.sdembed.InvalidInputException;
import dev.sdembed.encoder.Device;
import dev.sdembed.runtime.SdembedConfig;
import dev.sdembed.runtime.SlotConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Puts a configuration's GPU slots on the GPUs Spark gave a task. The configuration names GPUs as on one machine
 * ({@code cuda:0}, {@code cuda:1}); a task gets addresses from Spark's resource scheduling
 * ({@code spark.task.resource.gpu.amount}, the addresses the executor's discovery script reported). The configured
 * GPU indexes, in ascending order, take the task's addresses in order: with addresses {@code [3]} both
 * {@code cuda:0} and {@code cuda:1} run on GPU 3, with {@code [2, 5]} {@code cuda:0} runs on 2 and {@code cuda:1}
 * on 5. CPU slots stay as they are, and so does everything when the task has no GPU (local mode, a cluster without
 * GPU scheduling).
 */
public final class GpuAssignment {
    private static final Logger LOG = LoggerFactory.getLogger(GpuAssignment.class);

    /** The resource name Spark schedules GPUs under. */
    public static final String GPU = "gpu";

    private GpuAssignment() {
    }

    /**
     * {@code config} with every GPU slot on one of {@code addresses} (the task's GPU addresses, as Spark lists them);
     * unchanged when {@code addresses} is empty.
     */
    public static SdembedConfig assign(SdembedConfig config, List<String> addresses) {
        if (addresses.isEmpty()) {
            return config;
        }
        List<Integer> gpus = new ArrayList<>();
        for (String a : addresses) {
            gpus.add(parse(a));
        }
        TreeSet<Integer> configured = new TreeSet<>();
        for (SlotConfig s : config.slots()) {
            Device d = Device.parse(s.device());
            if (d.isGpu()) {
                configured.add(d.index());
            }
        }
        if (configured.isEmpty()) {
            return config;
        }
        if (configured.size() > gpus.size()) {
            LOG.warn("The configuration uses {} GPUs ({}) but this task was given {} ({}): they share them; raise"
                    + " spark.task.resource.gpu.amount to give each its own", configured.size(), configured,
                    gpus.size(), addresses);
        }
        List<Integer> order = List.copyOf(configured);
        List<SlotConfig> slots = new ArrayList<>();
        for (SlotConfig s : config.slots()) {
            Device d = Device.parse(s.device());
            if (!d.isGpu()) {
                slots.add(s);
                continue;
            }
            int gpu = gpus.get(order.indexOf(d.index()) % gpus.size());
            String device = new Device(d.kind(), gpu).toString();
            slots.add(new SlotConfig(s.name(), s.model(), s.modality(), device, s.fallback(), s.threads(),
                    s.batchSize(), s.tokenBudget(), s.decodeThreads(), s.cuda(), s.batchBuckets(),
                    s.sequenceBuckets(), s.precision()));
        }
        return new SdembedConfig(config.storeUrl(), config.schema(), config.batchSize(), config.batchesInFlight(),
                config.maxPixels(), slots);
    }

    /** The task's GPU addresses from its resources ({@code TaskContext#resourcesJMap()}), empty when it has none. */
    public static List<String> addresses(Map<String, String[]> resources) {
        String[] gpu = resources.get(GPU);
        return gpu == null ? List.of() : List.of(gpu);
    }

    private static int parse(String address) {
        try {
            int index = Integer.parseInt(address.trim());
            if (index >= 0) {
                return index;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new InvalidInputException("GPU address '" + address + "' from Spark's resource scheduling is not a"
                + " CUDA device index; the executor's GPU discovery script must list indexes as nvidia-smi does,"
                + " e.g. {\"name\": \"gpu\", \"addresses\": [\"0\", \"1\"]}");
    }
}
