package dev.sdembed.encoder;

/** What an encoder does when its GPU device cannot be used. */
public enum DeviceFallback {
    /** Refuse to load, with an error naming the device and the reason. The default: no silent slowdowns. */
    FAIL,
    /** Load on the CPU instead and log one WARN line naming the encoder and the reason. */
    CPU
}
