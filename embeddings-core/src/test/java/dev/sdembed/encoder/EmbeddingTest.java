package dev.sdembed.encoder;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EmbeddingTest {

    /** Against the exact sum of squares, with components of very different magnitudes. */
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 384, 768, 1024, 1280})
    void normIsTheExactL2NormToDoublePrecision(int dimension) {
        Random random = new Random(dimension);
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = (float) (random.nextGaussian() * (i % 7 == 0 ? 100 : 0.01));
        }
        BigDecimal squares = BigDecimal.ZERO;
        for (float x : v) {
            squares = squares.add(new BigDecimal(x).multiply(new BigDecimal(x)));
        }
        double exact = squares.sqrt(MathContext.DECIMAL64).doubleValue();

        double norm = new Embedding(v).norm();

        assertEquals(exact, norm, exact * 1e-14, "dimension " + dimension);
    }

    @ParameterizedTest
    @ValueSource(ints = {3, 768, 1024})
    void aNormalisedEmbeddingHasNormOne(int dimension) {
        float[] v = new float[dimension];
        for (int i = 0; i < dimension; i++) {
            v[i] = i + 1;
        }
        assertEquals(1.0, new Embedding(v).normalized().norm(), 1e-6);
    }
}
