package dev.limn.conformance;

import java.util.Random;

/** Weighted and uniform random choices, shared by the program generators. */
final class Choices {
    private Choices() {}

    /** True with probability {@code p}. */
    static boolean chance(Random random, double p) {
        return random.nextDouble() < p;
    }

    /** An index into {@code weights}, each drawn in proportion to its weight. */
    static int pick(Random random, int[] weights) {
        int total = 0;
        for (int w : weights) {
            total += w;
        }
        int roll = random.nextInt(total);
        for (int i = 0; i < weights.length; i++) {
            roll -= weights[i];
            if (roll < 0) {
                return i;
            }
        }
        throw new IllegalStateException("weights");
    }

    /** One of {@code options}, each as likely (repeat one to weigh it more). */
    @SafeVarargs
    static <T> T pickOf(Random random, T... options) {
        return options[random.nextInt(options.length)];
    }
}
