package dev.sdembed.dist;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.testing.TestPaths;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * sdembed-bom has no parent (so importing it pins nothing else), so nothing keeps it in step by itself: its version
 * must be this build's, it must manage every sdembed module the release archive bundles, and both ONNX Runtime
 * builds at the version this build uses.
 */
class BomTest {

    @Test
    void managesEveryBundledModuleAndBothOnnxRuntimesAtThisBuildsVersions() throws Exception {
        Document bom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(TestPaths.repoRoot().resolve("sdembed-bom/pom.xml").toFile());
        // The BOM's own version, not a parent's: it has none.
        assertThat(child(bom.getDocumentElement(), "version")).isEqualTo(UnpackedArchive.version());
        Map<String, String> managed = new LinkedHashMap<>();
        NodeList dependencies = bom.getElementsByTagName("dependency");
        for (int i = 0; i < dependencies.getLength(); i++) {
            Element d = (Element) dependencies.item(i);
            managed.put(child(d, "groupId") + ":" + child(d, "artifactId"), child(d, "version"));
        }

        for (String jar : ReleaseArchiveTest.jars(UnpackedArchive.cpu().home().resolve("lib"))) {
            if (jar.startsWith("sdembed-") || jar.startsWith("embeddings-")) {
                String artifact = jar.substring(0, jar.length() - ("-" + UnpackedArchive.version() + ".jar").length());
                assertThat(managed).as("the BOM manages %s", artifact)
                        .containsEntry("dev.sdembed:" + artifact, "${project.version}");
            }
        }
        assertThat(managed).containsEntry("com.microsoft.onnxruntime:onnxruntime", "${onnxruntime.version}")
                .containsEntry("com.microsoft.onnxruntime:onnxruntime_gpu", "${onnxruntime.version}");
        Element properties = (Element) bom.getElementsByTagName("properties").item(0);
        assertThat(child(properties, "onnxruntime.version")).isEqualTo(System.getProperty("sdembed.dist.onnxruntime"));
    }

    private static String child(Element parent, String name) {
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i) instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().trim();
            }
        }
        return null;
    }
}
