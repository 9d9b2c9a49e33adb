package dev.sdembed.cli.pull;

import dev.sdembed.InvalidInputException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code sdembed models pull NAME} fetches: a {@link ModelCatalogue} entry, or any repository as
 * {@code hf:ORG/REPO[/SUBFOLDER]}.
 *
 * @param repo      the Hugging Face repository, {@code org/name}
 * @param subfolder the folder holding the model ({@code /}-separated, no leading or trailing slash), or null
 * @param entry     the catalogue entry, or null for an {@code hf:} source
 */
public record PullSource(String repo, String subfolder, ModelCatalogue.Entry entry) {
    private static final Pattern HF = Pattern.compile("hf:([A-Za-z0-9_.\\-]+/[A-Za-z0-9_.\\-]+)((?:/[^/]+)*)/?");

    /** Parses a catalogue name or {@code hf:ORG/REPO[/SUBFOLDER]}, failing with what is accepted. */
    public static PullSource parse(String name) {
        if (name == null || name.isBlank()) {
            throw new InvalidInputException("Model name is empty; expected one of " + ModelCatalogue.names()
                    + ", or hf:ORG/REPO[/SUBFOLDER]");
        }
        String n = name.strip();
        if (n.startsWith("hf:")) {
            Matcher m = HF.matcher(n);
            if (!m.matches() || n.contains("/../") || n.endsWith("/..") || n.contains("/./")) {
                throw new InvalidInputException("'" + n + "' is not hf:ORG/REPO[/SUBFOLDER], e.g."
                        + " hf:immich-app/ViT-B-16__openai or hf:stabilityai/stable-diffusion-xl-base-1.0/text_encoder_2");
            }
            String sub = m.group(2).isEmpty() ? null : m.group(2).substring(1);
            return new PullSource(m.group(1), sub, null);
        }
        ModelCatalogue.Entry entry = ModelCatalogue.find(n).orElseThrow(() -> new InvalidInputException("Unknown"
                + " model '" + n + "'; the catalogue has " + ModelCatalogue.names() + " (sdembed models pull --list),"
                + " and any repository in a supported layout is hf:ORG/REPO[/SUBFOLDER]"));
        return new PullSource(entry.repo(), entry.subfolder(), entry);
    }

    /** {@code subfolder/} or the empty string: the prefix of the model's paths in the repository. */
    public String prefix() {
        return subfolder == null ? "" : subfolder + "/";
    }

    /** The default directory name: the catalogue name, else the repository's name (and subfolder), lower case. */
    public String defaultDirectoryName() {
        if (entry != null) {
            return entry.name();
        }
        String base = repo.substring(repo.indexOf('/') + 1);
        return (subfolder == null ? base : base + "-" + subfolder.replace('/', '-')).toLowerCase(Locale.ROOT);
    }

    /** How it was asked for, for messages. */
    public String describe() {
        return entry != null ? entry.name() + " (" + repo + (subfolder == null ? "" : "/" + subfolder) + ")"
                : "hf:" + repo + (subfolder == null ? "" : "/" + subfolder);
    }
}
