import dev.limn.api.LimnRuntime;
import dev.limn.api.Program;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** In-process steady state of B6 (sum of (i*i) % 7) under parallel(cores=N), beside Java threads. */
public class ScaleHarness {
    static final long BLOCK = 100_000;

    static String program(int cores, long blocks) {
        return "var total: atomic = 0;\n"
            + "parallel(cores=" + cores + ") {\n"
            + "    iter (b in 0..<" + blocks + ") {\n"
            + "        var s = 0;\n"
            + "        var i = b * " + BLOCK + ";\n"
            + "        var end = i + " + BLOCK + ";\n"
            + "        while (i < end) { s += (i * i) % 7; i += 1; }\n"
            + "        total += s;\n"
            + "    }\n"
            + "}\n"
            + "print(total);\n";
    }

    static long javaSum(int w, long n) throws InterruptedException {
        long step = n / w;
        long[] sums = new long[w];
        Thread[] ts = new Thread[w];
        for (int k = 0; k < w; k++) {
            final int kk = k;
            final long lo = k * step, hi = k == w - 1 ? n : (k + 1) * step;
            ts[k] = Thread.ofPlatform().start(() -> { long s = 0; for (long i = lo; i < hi; i++) s += (i * i) % 7; sums[kk] = s; });
        }
        long total = 0;
        for (int k = 0; k < w; k++) { ts[k].join(); total += sums[k]; }
        return total;
    }

    static double median(List<Double> xs) { List<Double> s = new ArrayList<>(xs); Collections.sort(s); return s.get(s.size() / 2); }

    public static void main(String[] a) throws Exception {
        long blocks = Long.parseLong(a[0]);
        int warm = Integer.parseInt(a[1]), reps = Integer.parseInt(a[2]);
        boolean pin = Boolean.parseBoolean(a[3]);
        long n = blocks * BLOCK;
        System.out.printf("B6 over %d M (%d blocks of %d), warm-up %d, %d timed runs, pin=%s, median ms%n", n / 1_000_000, blocks, BLOCK, warm, reps, pin);
        System.out.println("cores | Limn ms | Limn speed-up | Java threads ms | Java speed-up | Limn/Java");
        double limn1 = 0, java1 = 0;
        for (int i = 4; i < a.length; i++) {
            int cores = Integer.parseInt(a[i]);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            List<Double> lt = new ArrayList<>();
            try (LimnRuntime rt = LimnRuntime.builder().carriers(cores).pin(pin).out(new PrintStream(out)).build()) {
                Program p = rt.compile("b6.lm", program(cores, blocks));
                for (int r = 0; r < warm + reps; r++) {
                    out.reset();
                    long t0 = System.nanoTime();
                    int rc = rt.run(p);
                    long t1 = System.nanoTime();
                    if (rc != 0) throw new IllegalStateException("rc " + rc + " " + out);
                    if (r >= warm) lt.add((t1 - t0) / 1e6);
                }
            }
            long expect = 0;
            List<Double> jt = new ArrayList<>();
            for (int r = 0; r < warm + reps; r++) {
                long t0 = System.nanoTime();
                long s = javaSum(cores, n);
                long t1 = System.nanoTime();
                expect = s;
                if (r >= warm) jt.add((t1 - t0) / 1e6);
            }
            String printed = out.toString().trim();
            if (!printed.equals(Long.toString(expect))) throw new IllegalStateException("Limn printed " + printed + ", Java " + expect);
            double l = median(lt), j = median(jt);
            if (cores == 1) { limn1 = l; java1 = j; }
            System.out.printf("%d | %.1f | %.2fx | %.1f | %.2fx | %.2f  (Limn runs %s)%n", cores, l, limn1 / l, j, java1 / j, l / j, lt);
        }
    }
}
