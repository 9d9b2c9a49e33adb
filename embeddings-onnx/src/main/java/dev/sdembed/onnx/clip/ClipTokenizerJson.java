package dev.sdembed.onnx.clip;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sdembed.InvalidInputException;
import dev.sdembed.ModelLoadException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * Writes a {@code tokenizer.json} equivalent to Hugging Face's fast CLIP tokenizer from OpenAI's
 * {@code bpe_simple_vocab_16e6.txt.gz}, for users who have a CLIP text encoder (e.g. from a Stable Diffusion
 * checkpoint) but no tokenizer files. The vocabulary is built as OpenAI's {@code SimpleTokenizer} builds it: the 256
 * byte-level characters, the same with {@code </w>}, the first 48,894 merges, then {@code <|startoftext|>} (49406)
 * and {@code <|endoftext|>} (49407). Pipeline: NFC, whitespace runs to one space, lowercase; CLIP's regex split and
 * byte-level mapping; BPE with the {@code </w>} end-of-word suffix; {@code <|startoftext|> ... <|endoftext|>} around
 * the tokens; truncation to 77 tokens (special tokens included, so the end token stays last) and padding to 77 with
 * the chosen pad token.
 */
public final class ClipTokenizerJson {
    public static final String START_OF_TEXT = "<|startoftext|>";
    public static final String END_OF_TEXT = "<|endoftext|>";
    public static final int START_OF_TEXT_ID = 49406;
    public static final int END_OF_TEXT_ID = 49407;
    /** Merges OpenAI's tokenizer uses: 49152 - 256 - 2 (the file holds a few more). */
    public static final int MERGES = 48_894;
    public static final int VOCAB_SIZE = 49_408;
    public static final int CONTEXT_LENGTH = 77;
    /** OpenAI CLIP / Stable Diffusion 1.x pad with the end token. */
    public static final String DEFAULT_PAD_TOKEN = END_OF_TEXT;
    /** CLIP's pre-tokenisation regex, without the special tokens (they are added tokens here). */
    static final String SPLIT_PATTERN = "'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ClipTokenizerJson() {
    }

    /**
     * Reads {@code bpeFile} (gzip) and writes {@code outDir/tokenizer.json}, creating the folder.
     *
     * @param padToken a vocabulary token: {@code <|endoftext|>} (OpenAI CLIP, SD 1.x) or {@code !} (id 0:
     *                 OpenCLIP ViT-H/14 and ViT-bigG/14)
     * @return the file written
     */
    public static Path write(Path bpeFile, Path outDir, String padToken) {
        return writeDocument(readMerges(bpeFile), padToken, outDir);
    }

    /** {@link #build} of {@code merges} as {@code outDir/tokenizer.json}, creating the folder. */
    private static Path writeDocument(List<String> merges, String padToken, Path outDir) {
        ObjectNode json = build(merges, padToken);
        Path out = outDir.resolve("tokenizer.json");
        try {
            Files.createDirectories(outDir);
            JSON.writeValue(out.toFile(), json);
        } catch (IOException e) {
            throw new InvalidInputException("Cannot write " + out + ": " + e.getMessage(), e);
        }
        return out;
    }

    /**
     * Writes {@code outDir/tokenizer.json} from a Hugging Face slow CLIP tokenizer's files ({@code vocab.json} and
     * {@code merges.txt}, as {@code CLIPTokenizer.save_pretrained} writes them and Stable Diffusion repositories ship
     * them in {@code tokenizer/} and {@code tokenizer_2/}), checking that they are OpenAI's CLIP vocabulary: the
     * result is the same file {@link #write} makes from {@code bpe_simple_vocab_16e6.txt.gz}.
     *
     * @param padToken as for {@link #write}; Stable Diffusion XL's {@code tokenizer_2} pads with {@code !} (id 0)
     * @return the file written
     */
    public static Path writeFromHuggingFaceFiles(Path vocabJson, Path mergesTxt, Path outDir, String padToken) {
        List<String> merges = readHuggingFaceMerges(mergesTxt);
        Map<String, Integer> expected = vocabulary(merges);
        Map<String, Integer> vocab = readVocabJson(vocabJson);
        if (!vocab.equals(expected)) {
            String first = expected.entrySet().stream()
                    .filter(e -> !e.getValue().equals(vocab.get(e.getKey())))
                    .map(e -> "'" + e.getKey() + "' is " + vocab.get(e.getKey()) + " there, " + e.getValue()
                            + " in CLIP's")
                    .findFirst().orElse(vocab.size() + " tokens there, " + expected.size() + " in CLIP's");
            throw new ModelLoadException("Vocabulary " + vocabJson + " is not the CLIP vocabulary that " + mergesTxt
                    + " makes (" + first + "); only OpenAI's CLIP BPE files can be converted");
        }
        return writeDocument(merges, padToken, outDir);
    }

    /**
     * The merges of a Hugging Face {@code merges.txt}: an optional {@code #version} line, then one "a b" pair a line;
     * CLIP's first {@link #MERGES}.
     */
    public static List<String> readHuggingFaceMerges(Path mergesTxt) {
        Objects.requireNonNull(mergesTxt, "mergesTxt");
        try (BufferedReader in = Files.newBufferedReader(mergesTxt, StandardCharsets.UTF_8)) {
            in.mark(1 << 12);
            String first = in.readLine();
            int read = 1;
            if (first == null || !first.startsWith("#version")) {
                in.reset();
                read = 0;
            }
            return mergeLines(in, read, "Merges file " + mergesTxt, "is it a CLIP tokenizer's merges.txt?");
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("Merges file " + mergesTxt + " does not exist", e);
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read merges file " + mergesTxt + ": " + e.getMessage(), e);
        }
    }

    /**
     * The first {@link #MERGES} merge lines of {@code in}, each checked to be two symbols and a space.
     *
     * @param read how many lines of the file were read before (for line numbers in messages)
     * @param what the file, as messages name it
     * @param hint what to check when the file is too short
     */
    private static List<String> mergeLines(BufferedReader in, int read, String what, String hint) throws IOException {
        List<String> merges = new ArrayList<>(MERGES);
        int lineNumber = read;
        for (String line; merges.size() < MERGES && (line = in.readLine()) != null; ) {
            lineNumber++;
            String[] pair = line.split(" ");
            if (pair.length != 2 || pair[0].isEmpty() || pair[1].isEmpty()) {
                throw new ModelLoadException(what + " line " + lineNumber
                        + " is not a merge of two symbols separated by one space");
            }
            merges.add(line);
        }
        if (merges.size() < MERGES) {
            throw new ModelLoadException(what + " has " + merges.size() + " merges; CLIP needs " + MERGES + " ("
                    + hint + ")");
        }
        return merges;
    }

    private static Map<String, Integer> readVocabJson(Path vocabJson) {
        try {
            Map<String, Integer> vocab = JSON.readValue(vocabJson.toFile(),
                    new com.fasterxml.jackson.core.type.TypeReference<LinkedHashMap<String, Integer>>() { });
            if (vocab == null) {
                throw new ModelLoadException("Vocabulary " + vocabJson + " is empty");
            }
            return vocab;
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new ModelLoadException("Vocabulary " + vocabJson + " does not exist", e);
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read vocabulary " + vocabJson + " as a JSON object of token ids: "
                    + e.getMessage(), e);
        }
    }

    /** The first {@link #MERGES} merge lines ("a b") of OpenAI's gzip BPE file, after its header line. */
    public static List<String> readMerges(Path bpeFile) {
        Objects.requireNonNull(bpeFile, "bpeFile");
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(bpeFile)), StandardCharsets.UTF_8))) {
            String header = in.readLine();
            if (header == null) {
                throw new ModelLoadException("BPE vocabulary " + bpeFile + " is empty");
            }
            return mergeLines(in, 1, "BPE vocabulary " + bpeFile, "is it bpe_simple_vocab_16e6.txt.gz?");
        } catch (NoSuchFileException e) {
            throw new ModelLoadException("BPE vocabulary " + bpeFile + " does not exist", e);
        } catch (ZipException e) {
            throw new ModelLoadException("BPE vocabulary " + bpeFile + " is not gzip-compressed (expected OpenAI's"
                    + " bpe_simple_vocab_16e6.txt.gz): " + e.getMessage(), e);
        } catch (IOException e) {
            throw new ModelLoadException("Cannot read BPE vocabulary " + bpeFile + ": " + e.getMessage(), e);
        }
    }

    /** CLIP's vocabulary in id order, as OpenAI's SimpleTokenizer builds it. */
    public static Map<String, Integer> vocabulary(List<String> merges) {
        List<String> tokens = new ArrayList<>(VOCAB_SIZE);
        List<String> bytes = byteAlphabet();
        tokens.addAll(bytes);
        for (String b : bytes) {
            tokens.add(b + "</w>");
        }
        for (String merge : merges) {
            tokens.add(merge.replace(" ", ""));
        }
        tokens.add(START_OF_TEXT);
        tokens.add(END_OF_TEXT);
        Map<String, Integer> vocab = new LinkedHashMap<>();
        for (String token : tokens) {
            if (vocab.putIfAbsent(token, vocab.size()) != null) {
                throw new ModelLoadException("BPE merges produce the token '" + token + "' twice; the file is not"
                        + " OpenAI's CLIP vocabulary");
            }
        }
        return vocab;
    }

    /**
     * GPT-2's reversible byte-to-character map, in OpenAI's order: printable bytes map to themselves first, the
     * other 68 bytes to U+0100 onwards.
     */
    static List<String> byteAlphabet() {
        List<Integer> bytes = new ArrayList<>();
        for (int b = '!'; b <= '~'; b++) {
            bytes.add(b);
        }
        for (int b = 0xa1; b <= 0xac; b++) {
            bytes.add(b);
        }
        for (int b = 0xae; b <= 0xff; b++) {
            bytes.add(b);
        }
        List<Integer> chars = new ArrayList<>(bytes);
        int next = 0;
        for (int b = 0; b < 256; b++) {
            if (!bytes.contains(b)) {
                bytes.add(b);
                chars.add(256 + next++);
            }
        }
        List<String> alphabet = new ArrayList<>(256);
        for (int c : chars) {
            alphabet.add(new String(Character.toChars(c)));
        }
        return alphabet;
    }

    /** The tokenizer.json document. */
    public static ObjectNode build(List<String> merges, String padToken) {
        Map<String, Integer> vocab = vocabulary(merges);
        String pad = padToken == null ? DEFAULT_PAD_TOKEN : padToken;
        Integer padId = vocab.get(pad);
        if (padId == null) {
            throw new InvalidInputException("Pad token '" + pad + "' is not in the CLIP vocabulary; use "
                    + END_OF_TEXT + " (OpenAI CLIP, SD 1.x) or ! (id 0, OpenCLIP ViT-H/14 and ViT-bigG/14)");
        }
        ObjectNode root = NODES.objectNode();
        root.put("version", "1.0");
        ObjectNode truncation = root.putObject("truncation");
        truncation.put("direction", "Right");
        truncation.put("max_length", CONTEXT_LENGTH);
        truncation.put("strategy", "LongestFirst");
        truncation.put("stride", 0);
        ObjectNode padding = root.putObject("padding");
        padding.putObject("strategy").put("Fixed", CONTEXT_LENGTH);
        padding.put("direction", "Right");
        padding.putNull("pad_to_multiple_of");
        padding.put("pad_id", padId);
        padding.put("pad_type_id", 0);
        padding.put("pad_token", pad);

        ArrayNode added = root.putArray("added_tokens");
        addedToken(added, START_OF_TEXT_ID, START_OF_TEXT);
        addedToken(added, END_OF_TEXT_ID, END_OF_TEXT);

        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "Sequence");
        ArrayNode normalizers = normalizer.putArray("normalizers");
        normalizers.addObject().put("type", "NFC");
        ObjectNode whitespace = normalizers.addObject();
        whitespace.put("type", "Replace");
        whitespace.putObject("pattern").put("Regex", "\\s+");
        whitespace.put("content", " ");
        normalizers.addObject().put("type", "Lowercase");

        ObjectNode preTokenizer = root.putObject("pre_tokenizer");
        preTokenizer.put("type", "Sequence");
        ArrayNode preTokenizers = preTokenizer.putArray("pretokenizers");
        ObjectNode split = preTokenizers.addObject();
        split.put("type", "Split");
        split.putObject("pattern").put("Regex", SPLIT_PATTERN);
        // Keep what the regex matches, drop the rest (whitespace): re.findall in OpenAI's tokenizer.
        split.put("behavior", "Removed");
        split.put("invert", true);
        ObjectNode byteLevel = preTokenizers.addObject();
        byteLevel.put("type", "ByteLevel");
        byteLevel.put("add_prefix_space", false);
        byteLevel.put("trim_offsets", true);
        byteLevel.put("use_regex", false);

        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        special(single, START_OF_TEXT, 0);
        sequence(single, "A", 0);
        special(single, END_OF_TEXT, 0);
        // Pairs as Hugging Face's RobertaProcessing frames them for CLIP: sot A eot eot B eot.
        ArrayNode pair = post.putArray("pair");
        special(pair, START_OF_TEXT, 0);
        sequence(pair, "A", 0);
        special(pair, END_OF_TEXT, 0);
        special(pair, END_OF_TEXT, 1);
        sequence(pair, "B", 1);
        special(pair, END_OF_TEXT, 1);
        ObjectNode specials = post.putObject("special_tokens");
        specialTokenEntry(specials, START_OF_TEXT, START_OF_TEXT_ID);
        specialTokenEntry(specials, END_OF_TEXT, END_OF_TEXT_ID);

        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "ByteLevel");
        decoder.put("add_prefix_space", true);
        decoder.put("trim_offsets", true);
        decoder.put("use_regex", true);

        ObjectNode model = root.putObject("model");
        model.put("type", "BPE");
        model.putNull("dropout");
        model.put("unk_token", END_OF_TEXT);
        model.put("continuing_subword_prefix", "");
        model.put("end_of_word_suffix", "</w>");
        model.put("fuse_unk", false);
        model.put("byte_fallback", false);
        ObjectNode vocabNode = model.putObject("vocab");
        vocab.forEach(vocabNode::put);
        ArrayNode mergesNode = model.putArray("merges");
        merges.forEach(mergesNode::add);
        return root;
    }

    private static void addedToken(ArrayNode added, int id, String content) {
        ObjectNode token = added.addObject();
        token.put("id", id);
        token.put("content", content);
        token.put("single_word", false);
        token.put("lstrip", false);
        token.put("rstrip", false);
        token.put("normalized", true);
        token.put("special", true);
    }

    private static void special(ArrayNode template, String token, int typeId) {
        ObjectNode entry = template.addObject().putObject("SpecialToken");
        entry.put("id", token);
        entry.put("type_id", typeId);
    }

    private static void sequence(ArrayNode template, String id, int typeId) {
        ObjectNode entry = template.addObject().putObject("Sequence");
        entry.put("id", id);
        entry.put("type_id", typeId);
    }

    private static void specialTokenEntry(ObjectNode specials, String token, int id) {
        ObjectNode entry = specials.putObject(token);
        entry.put("id", token);
        entry.putArray("ids").add(id);
        entry.putArray("tokens").add(token);
    }
}
