package dev.sdembed.store;

/** Which of an image's texts a text slot is matched through. */
public enum TextRole {
    PROMPT,
    NEGATIVE
}
