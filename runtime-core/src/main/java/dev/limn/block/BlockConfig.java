package dev.limn.block;

import dev.limn.text.Span;

/**
 * The validated parameters of one {@code concurrent(...)} or {@code parallel(...)} block
 * (SPEC §5.1), checked at compile time by {@code dev.limn.lang.BlockParameters}.
 *
 * @param parallel a {@code parallel} block (else {@code concurrent})
 * @param output  the {@code ch} name, or null
 * @param input   the {@code input} name, or null
 * @param handle  the {@code handle} name (a future for the block's completion), or null
 * @param cores   at most this many tasks at once / worker instances / pool threads; 0 = Auto
 * @param onError      SPEC §6.2 {@code on_error}
 * @param retries      {@code on_error=Retry}: how many more times a failed unit runs
 * @param backoffNanos {@code on_error=Retry}: the wait before the first rerun, doubled for each next one
 * @param errors       {@code on_error=Auto}: the name of the channel each error is sent to, or null
 * @param timeoutNanos SPEC §6.3 {@code timeout}, counted from the block's start; 0 = none
 * @param graceNanos   how long cancelled units may take to finish before they are terminated
 * @param onTimeout    what an expired timeout makes of the block
 */
public record BlockConfig(boolean parallel, String output, String input, Mode mode, String handle,
                          int cores, boolean pin, OnError onError, int retries, long backoffNanos, String errors,
                          long timeoutNanos, long graceNanos, OnTimeout onTimeout, Span span) {

    /** SPEC §6.2 {@code on_error}. */
    public enum OnError { STOP, AUTO, RETRY }

    /** SPEC §6.2: the default {@code retries} and {@code backoff}. */
    public static final int DEFAULT_RETRIES = 3;
    public static final long DEFAULT_BACKOFF_NANOS = 10_000_000L;
    /** The largest {@code retries} accepted. */
    public static final int MAX_RETRIES = 1_000;

    /** SPEC §5.1 {@code mode}. */
    public enum Mode { BATCH, STREAM, ASYNC }

    /** SPEC §6.3 {@code on_timeout}: complete normally with what was produced, or raise Timeout. */
    public enum OnTimeout { PARTIAL, ERROR }

    /** The parameters of a block written without any: also the program's scope for async calls (SPEC §7). */
    public static BlockConfig defaults(Span span) {
        return new BlockConfig(false, null, null, Mode.BATCH, null, 0, false, OnError.STOP,
                DEFAULT_RETRIES, DEFAULT_BACKOFF_NANOS, null, 0, DEFAULT_GRACE_NANOS, OnTimeout.PARTIAL, span);
    }

    /** SPEC §6.3: the default {@code grace}. */
    public static final long DEFAULT_GRACE_NANOS = 500_000_000L;

}
