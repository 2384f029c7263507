package dev.limn.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.limn.run.RunOptions;
import dev.limn.vm.Tier;

import org.junit.jupiter.api.Test;

import java.util.List;

/** The modes {@link NativeConformanceTest} runs the corpus in, and the properties that pick them. */
class ConformanceModesTest {
    private final RunOptions base = RunOptions.defaults().withSeed(ProgramRunner.SEED).withTier(Tier.Mode.AUTO);

    @Test
    void everyCarrierCountWithTheDefaultTierThenOffAndAlwaysOnTwoCarriers() {
        List<NativeConformanceTest.Mode> modes = NativeConformanceTest.modes(base, null, null);
        assertEquals(List.of("cores=1", "cores=2", "cores=4", "tier=off/cores=2", "tier=always/cores=2"),
                modes.stream().map(NativeConformanceTest.Mode::name).toList());
        assertEquals(List.of(1, 2, 4, 2, 2), modes.stream().map(m -> m.options().cores()).toList());
        assertEquals(List.of(Tier.Mode.AUTO, Tier.Mode.AUTO, Tier.Mode.AUTO, Tier.Mode.OFF, Tier.Mode.ALWAYS),
                modes.stream().map(m -> m.options().tier()).toList());
        assertTrue(modes.stream().allMatch(m -> m.options().seed() == ProgramRunner.SEED));
    }

    @Test
    void theCarrierRunsKeepTheDefaultTierWhateverItIs() {
        List<NativeConformanceTest.Mode> modes = NativeConformanceTest.modes(base.withTier(Tier.Mode.ALWAYS), null, "none");
        assertEquals(List.of(Tier.Mode.ALWAYS, Tier.Mode.ALWAYS, Tier.Mode.ALWAYS),
                modes.stream().map(m -> m.options().tier()).toList());
    }

    @Test
    void aCarrierCountAppliesToTheTierRunsToo() {
        assertEquals(List.of("cores=1", "tier=off/cores=1", "tier=always/cores=1"),
                NativeConformanceTest.modes(base, 1, null).stream().map(NativeConformanceTest.Mode::name).toList());
    }

    @Test
    void thePropertyPicksTheTierModesInAnyCase() {
        List<NativeConformanceTest.Mode> modes = NativeConformanceTest.modes(base, 2, " Always,auto ");
        assertEquals(List.of("cores=2", "tier=always/cores=2", "tier=auto/cores=2"),
                modes.stream().map(NativeConformanceTest.Mode::name).toList());
        assertEquals(Tier.Mode.AUTO, modes.get(2).options().tier());
    }

    @Test
    void noneOrBlankRunsNoTierMode() {
        assertEquals(3, NativeConformanceTest.modes(base, null, "none").size());
        assertEquals(3, NativeConformanceTest.modes(base, null, "").size());
    }

    @Test
    void anUnknownModeNamesTheProperty() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeConformanceTest.modes(base, null, "off,fast"));
        assertTrue(e.getMessage().startsWith("-Dlimn.conformance.tiers: "), e.getMessage());
        assertTrue(e.getMessage().contains("\"fast\""), e.getMessage());
    }
}
