package dev.sdembed.image;

/** The image container formats {@link ImageDecoder} reads, recognised by their leading bytes, not the file name. */
public enum ImageFormat {
    PNG,
    JPEG,
    WEBP
}
