import dev.limn.api.HostFunction;
import dev.limn.api.Instance;
import dev.limn.api.LimnChannel;
import dev.limn.api.LimnRuntime;
import dev.limn.api.Program;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A Java host for strategy.lm: it defines the host function {@code fee(size)}, feeds a host
 * channel of ticks to {@code consume()} running asynchronously in one instance, calls
 * {@code on_tick(price, size)} in another for each tick, and prints a summary that is the same
 * on every run. See README.md in this folder to run it.
 */
public final class TickHost {
    private static final double[] PRICES = {101.25, 101.50, 101.00, 102.25, 102.75, 102.00, 103.50, 103.25, 103.00};
    private static final long[] SIZES = {3, 5, 2, 8, 0, 4, 6, 2, 1};

    public static void main(String[] args) throws Exception {
        run(Path.of(args.length > 0 ? args[0] : "examples/embed/strategy.lm"), System.out);
    }

    /** Runs strategy.lm from {@code script} and prints the summary to {@code out}. */
    public static void run(Path script, PrintStream out) throws Exception {
        String source = Files.readString(script);
        try (LimnRuntime rt = LimnRuntime.builder().carriers(2).seed(1).out(out).build()) {
            // A plain host function: it runs on the calling task's thread and must not block.
            // What it throws reaches the program as a HostError.
            rt.define("fee", args -> {
                long size = (Long) args[0];
                if (size <= 0) {
                    throw new IllegalArgumentException("size must be positive, got " + size);
                }
                return Math.max(1.0, 0.25 * size);
            });
            LimnChannel ticks = rt.channel(4);
            Program program = rt.compile("strategy.lm", source, Set.of("ticks"));
            Instance stats = rt.load(program, Map.of("ticks", ticks));
            Instance trader = rt.load(program, Map.of("ticks", ticks));

            CompletableFuture<Object> consumed = stats.callAsync("consume");
            List<String> actions = new ArrayList<>();
            for (int i = 0; i < PRICES.length; i++) {
                ticks.send(List.of(PRICES[i], SIZES[i]));
                actions.add((String) trader.call("on_tick", PRICES[i], SIZES[i]));
            }
            ticks.close(); // end of stream: consume() returns once it has taken every tick
            long count = (Long) consumed.get(10, TimeUnit.SECONDS);

            double turnover = (Double) stats.get("turnover");
            long volume = (Long) stats.get("volume");
            out.println("actions:  " + String.join(" ", actions));
            out.printf("trader:   %d buys, %d sells, %d rejected, fees %.2f%n",
                    trader.get("buys"), trader.get("sells"), trader.get("rejected"), trader.get("fees"));
            out.printf("consumer: %d ticks, volume %d, low %.2f, high %.2f, vwap %.4f%n",
                    count, volume, stats.get("low"), stats.get("high"), turnover / volume);
        }
    }
}
