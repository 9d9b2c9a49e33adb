package dev.sdembed.store.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sdembed.store.postgres.internal.Float16;
import org.junit.jupiter.api.Test;

/** The float16 conversion against its definition; {@link PostgresStoreTest} checks it against PostgreSQL's own. */
class Float16Test {

    @Test
    void everyHalfValueConvertsBackToItself() {
        for (int bits = 0; bits <= 0xffff; bits++) {
            short h = (short) bits;
            float f = Float16.toFloat(h);
            if (Float.isNaN(f)) {
                assertThat(Float.isNaN(Float16.toFloat(Float16.fromFloat(f)))).isTrue();
            } else {
                assertThat(Float16.fromFloat(f)).as("half 0x%04x = %s", bits, f).isEqualTo(h);
            }
        }
    }

    @Test
    void roundsToNearestAndTiesToEven() {
        // Every pair of neighbouring positive halves, including subnormals and the step into infinity.
        for (int bits = 0; bits < 0x7bff; bits++) {
            float low = Float16.toFloat((short) bits);
            float high = Float16.toFloat((short) (bits + 1));
            float middle = (float) (((double) low + high) / 2);
            short even = (short) ((bits & 1) == 0 ? bits : bits + 1);
            assertThat(Float16.fromFloat(middle)).as("tie between 0x%04x and 0x%04x", bits, bits + 1).isEqualTo(even);
            assertThat(Float16.fromFloat(Math.nextDown(middle))).isEqualTo((short) bits);
            assertThat(Float16.fromFloat(Math.nextUp(middle))).isEqualTo((short) (bits + 1));
            assertThat(Float16.fromFloat(-middle)).isEqualTo((short) (even | 0x8000));
        }
    }

    @Test
    void handlesTheEdges() {
        assertThat(Float16.fromFloat(65504f)).isEqualTo((short) 0x7bff);
        assertThat(Float16.fromFloat(65519.99f)).isEqualTo((short) 0x7bff);
        assertThat(Float16.fromFloat(65520f)).isEqualTo((short) 0x7c00);
        assertThat(Float16.fromFloat(1e10f)).isEqualTo((short) 0x7c00);
        assertThat(Float16.fromFloat(Float.NEGATIVE_INFINITY)).isEqualTo((short) 0xfc00);
        assertThat(Float16.fromFloat(0x1p-25f)).isEqualTo((short) 0);
        assertThat(Float16.fromFloat(Math.nextUp(0x1p-25f))).isEqualTo((short) 1);
        assertThat(Float16.fromFloat(1e-30f)).isEqualTo((short) 0);
        assertThat(Float16.fromFloat(-0f)).isEqualTo((short) 0x8000);
        assertThat(Float16.fromFloat(1f)).isEqualTo((short) 0x3c00);
        assertThat(Float16.fromFloat(0.1f)).isEqualTo((short) 0x2e66);
    }
}
