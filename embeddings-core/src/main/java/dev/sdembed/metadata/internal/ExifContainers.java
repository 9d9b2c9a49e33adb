package dev.sdembed.metadata.internal;

import com.drew.imaging.jpeg.JpegMetadataReader;
import com.drew.imaging.jpeg.JpegProcessingException;
import com.drew.imaging.jpeg.JpegSegmentData;
import com.drew.imaging.jpeg.JpegSegmentReader;
import com.drew.imaging.jpeg.JpegSegmentType;
import com.drew.imaging.riff.RiffProcessingException;
import com.drew.imaging.riff.RiffReader;
import com.drew.metadata.Metadata;
import com.drew.metadata.exif.ExifReader;
import com.drew.metadata.jpeg.JpegCommentReader;
import com.drew.metadata.webp.WebpDirectory;
import com.drew.metadata.webp.WebpRiffHandler;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** JPEG (APP1 EXIF and COM segments) and WebP (EXIF chunk), through metadata-extractor. */
final class ExifContainers {

    private ExifContainers() {
    }

    /** Reads the segments before the image data only: JPEG metadata never follows the start of scan. */
    static void readJpeg(BoundedFileReader reader, Entries entries) throws JpegProcessingException, IOException {
        JpegSegmentData segments = JpegSegmentReader.readSegments(reader,
                List.of(JpegSegmentType.APP1, JpegSegmentType.COM));
        Metadata metadata = new Metadata();
        JpegMetadataReader.processJpegSegmentData(metadata, List.of(new ExifReader(), new JpegCommentReader()),
                segments);
        ExifEntries.read(metadata, entries, "JPEG");
    }

    /**
     * Reads the EXIF chunk and the VP8X header (canvas size); the image chunks are skipped, not loaded. Container-level faults (a chunk running past
     * the end of the file) are returned as messages, since metadata-extractor reports rather than throws them.
     */
    static List<String> readWebp(BoundedFileReader reader, Entries entries) throws RiffProcessingException,
            IOException {
        Metadata metadata = new Metadata();
        List<String> containerErrors = new ArrayList<>();
        new RiffReader().processRiff(reader, new WebpRiffHandler(metadata) {
            @Override
            public boolean shouldAcceptChunk(String fourCC) {
                return fourCC.equals(WebpDirectory.CHUNK_EXIF) || fourCC.equals(WebpDirectory.CHUNK_VP8X);
            }

            @Override
            public void addError(String message) {
                containerErrors.add(message);
            }
        });
        ExifEntries.read(metadata, entries, "WebP");
        WebpDirectory webp = metadata.getFirstDirectoryOfType(WebpDirectory.class);
        if (webp != null && webp.containsTag(WebpDirectory.TAG_IMAGE_WIDTH)
                && webp.containsTag(WebpDirectory.TAG_IMAGE_HEIGHT)) {
            entries.pixelSize(webp.getInteger(WebpDirectory.TAG_IMAGE_WIDTH),
                    webp.getInteger(WebpDirectory.TAG_IMAGE_HEIGHT));
        }
        return containerErrors;
    }
}
