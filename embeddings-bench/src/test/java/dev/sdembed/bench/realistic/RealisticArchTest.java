package dev.sdembed.bench.realistic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.sdembed.bench.realistic.RealisticModels.Spec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The generator's sizes against the published ones (open_clip {@code docs/model_profile.csv}: ViT-B-32 image 87.85 M
 * parameters / 8.82 GFLOPs, ViT-L-14 image 303.97 M / 162.03, ViT-H-14 image 632.08 M / 334.59, ViT-L-14 text
 * 123.65 M / 13.3, ViT-bigG-14 text 694.66 M / 97.86). No model is written: the parameter count is the sum of the
 * shapes the writer streams.
 */
class RealisticArchTest {

    @ParameterizedTest
    @EnumSource(RealisticArch.class)
    void parameterCountMatchesThePublishedOneWithinTwoPercent(RealisticArch arch) {
        double millions = Spec.of(arch).parameterCount() / 1e6;

        assertThat(millions).isCloseTo(arch.publishedMillionParams(), within(arch.publishedMillionParams() * 0.02));
    }

    @ParameterizedTest
    @EnumSource(RealisticArch.class)
    void flopsMatchThePublishedProfileWithinOnePercent(RealisticArch arch) {
        assertThat(arch.gflopsPerItem()).isCloseTo(arch.publishedGflops(), within(arch.publishedGflops() * 0.01));
    }

    @Test
    void tokensFollowPatchSizeAndContext() {
        assertThat(RealisticArch.VIT_B_32.tokens()).isEqualTo(50);
        assertThat(RealisticArch.VIT_H_14.tokens()).isEqualTo(257);
        assertThat(RealisticArch.BIGG_TEXT.tokens()).isEqualTo(77);
    }

    @Test
    void fewerLayersShrinkOnlyTheBlocks() {
        Spec full = Spec.of(RealisticArch.VIT_L_14);
        Spec two = full.withLayers(2);
        long perBlock = 12L * 1024 * 1024 + 13L * 1024;

        assertThat(two.name()).isEqualTo("vit-l-14-2l");
        assertThat(full.parameterCount() - two.parameterCount()).isEqualTo(22 * perBlock);
    }

    @Test
    void rejectsUnknownIdsAndImpossibleDepths() {
        assertThatThrownBy(() -> RealisticArch.fromId("vit-z-99"))
                .hasMessageContaining("Unknown realistic model 'vit-z-99'").hasMessageContaining("vit-h-14");
        assertThatThrownBy(() -> Spec.of(RealisticArch.VIT_B_32).withLayers(13))
                .hasMessage("layers for vit-b-32 must be 1..12, got 13");
    }
}
